package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The DASH manifest of a real two-rung ladder with its audio rendition, checked against the very segments
 * it names (every one exists, the SegmentTimeline is each segment's tfdt and trun duration, codecs are
 * the init segments'), against the HLS master of the same ladder, and read by ffmpeg's DASH demuxer.
 */
class DashManifestTest {
    static final Ladder LADDER = Ladder.standard(2);

    @TempDir
    static Path dir;
    static MediaTools tools;
    static List<EncodedRung> encoded;
    static String mpd;
    static String master;

    @BeforeAll
    static void encodeAndDescribe() throws Exception {
        MediaClips clips = new MediaClips(dir);
        tools = clips.tools();
        // 5 s at 2 s segments: two full segments and a short last one, so the timeline has a repeat and a tail.
        Path input = clips.make(Clip.of("dash", 640, 360, 5, 2));
        SourceInfo source = new Prober(tools).probe(input, () -> false);
        encoded = new LadderEncoder(tools).encode(input, source, LADDER.rungsFor(source), LADDER, dir.resolve("out"),
                p -> { }, () -> false);
        List<DashTrack> tracks = new ArrayList<>();
        for (EncodedRung e : encoded) {
            VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(e.playlist()));
            tracks.add(DashTrack.of(e.variant(), playlist, Files.readAllBytes(e.dir().resolve(playlist.mapUri())),
                    Files.readAllBytes(e.dir().resolve(playlist.segments().get(0).uri()))));
        }
        mpd = DashManifest.render(tracks, v -> v.name() + "/");
        Files.writeString(dir.resolve("out").resolve(DashManifest.FILE), mpd);
        master = MasterPlaylist.render(encoded.stream().map(EncodedRung::variant).toList(),
                v -> v.name() + "/" + EncodeArguments.PLAYLIST);
    }

    @Test
    void every_segment_the_timeline_names_exists_and_lasts_what_its_tfdt_and_trun_say() throws Exception {
        for (Element rep : representations(parse(mpd))) {
            Path folder = dir.resolve("out").resolve(child(rep, "BaseURL").getTextContent());
            Element template = child(rep, "SegmentTemplate");
            byte[] init = Files.readAllBytes(folder.resolve(template.getAttribute("initialization")));
            long trex = Fmp4Fragments.trexDefaultDuration(init);
            int number = Integer.parseInt(template.getAttribute("startNumber"));
            long expectedStart = -1;
            for (long[] s : timeline(child(template, "SegmentTimeline"))) {
                Path seg = folder.resolve(template.getAttribute("media").replace("$Number%05d$", String.format("%05d", number)));
                assertTrue(Files.isRegularFile(seg), rep.getAttribute("id") + " names " + seg + ", which is missing");
                byte[] bytes = Files.readAllBytes(seg);
                Fmp4Fragments.Timing timing = Fmp4Fragments.read(bytes, trex);
                assertEquals(timing.baseMediaDecodeTime(), s[0], seg + ": S@t is the segment's tfdt");
                assertEquals(timing.duration(), s[1], seg + ": S@d is the sum of its samples' durations");
                if (expectedStart >= 0) {
                    assertEquals(expectedStart, s[0], "no gap or overlap before " + seg);
                }
                expectedStart = s[0] + s[1];
                number++;
            }
            // Nothing left over: the timeline names every segment of the rendition.
            assertFalse(Files.exists(folder.resolve(String.format("seg_%05d.m4s", number))),
                    rep.getAttribute("id") + " has segments past its timeline");
            assertEquals(encodedRung(rep.getAttribute("id")).variant().segmentCount(),
                    number - Integer.parseInt(template.getAttribute("startNumber")));
        }
    }

    @Test
    void codecs_are_the_init_segments_and_sizes_rates_and_bandwidths_match_the_hls_master() throws Exception {
        Map<String, Map<String, String>> streamInf = streamInfByUri(master);
        Element audio = null;
        List<Element> reps = representations(parse(mpd));
        for (Element rep : reps) {
            if (rep.getAttribute("id").equals(Variant.AUDIO)) {
                audio = rep;
            }
        }
        assertTrue(audio != null, "an audio Representation");
        Path audioInit = encodedRung(Variant.AUDIO).dir().resolve(EncodeArguments.INIT_SEGMENT);
        assertTrue(new InitSegment(Files.readAllBytes(audioInit)).hasAacAudio());
        assertEquals(CodecStrings.AAC_LC, audio.getAttribute("codecs"));
        assertEquals("audio", ((Element) audio.getParentNode()).getAttribute("contentType"));
        long audioBandwidth = Long.parseLong(audio.getAttribute("bandwidth"));
        int videoReps = 0;
        for (Element rep : reps) {
            if (rep == audio) {
                continue;
            }
            videoReps++;
            String name = rep.getAttribute("id");
            assertEquals("video", ((Element) rep.getParentNode()).getAttribute("contentType"));
            byte[] init = Files.readAllBytes(encodedRung(name).dir().resolve(EncodeArguments.INIT_SEGMENT));
            assertEquals(new InitSegment(init).avc1().orElseThrow(), rep.getAttribute("codecs"), name);
            Map<String, String> inf = streamInf.get(name + "/" + EncodeArguments.PLAYLIST);
            assertEquals(inf.get("RESOLUTION"), rep.getAttribute("width") + "x" + rep.getAttribute("height"), name);
            assertEquals(Double.parseDouble(inf.get("FRAME-RATE")), ratio(rep.getAttribute("frameRate")), 0.001, name);
            assertEquals("\"" + rep.getAttribute("codecs") + "," + CodecStrings.AAC_LC + "\"", inf.get("CODECS"), name);
            // HLS adds the audio rendition's peak to each variant; DASH lists the audio on its own.
            assertEquals(Long.parseLong(inf.get("BANDWIDTH")), Long.parseLong(rep.getAttribute("bandwidth")) + audioBandwidth,
                    name);
        }
        assertEquals(streamInf.size(), videoReps, "one video Representation per HLS variant");
    }

    @Test
    void the_manifest_is_static_isoff_live_with_templates_and_no_index_ranges() throws Exception {
        Element root = parse(mpd).getDocumentElement();
        assertEquals("static", root.getAttribute("type"));
        assertEquals("urn:mpeg:dash:profile:isoff-live:2011", root.getAttribute("profiles"));
        // A SegmentBase/indexRange would make players read the sidx; the timeline makes it unnecessary.
        assertFalse(mpd.contains("SegmentBase") || mpd.contains("indexRange"), mpd);
        double total = Double.parseDouble(root.getAttribute("mediaPresentationDuration").replaceAll("[PTS]", ""));
        assertEquals(5.0, total, 0.05, "the duration of the longest rendition");
    }

    @Test
    void segments_carry_no_sidx_nor_an_index_brand_and_init_segments_only_ftyp_and_moov() throws Exception {
        for (EncodedRung e : encoded) {
            VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(e.playlist()));
            byte[] init = Files.readAllBytes(e.dir().resolve(playlist.mapUri()));
            assertEquals(List.of("ftyp", "moov"), Fmp4Fragments.topLevel(init), e.variant().name() + " init");
            for (var s : playlist.segments()) {
                List<String> boxes = Fmp4Fragments.topLevel(Files.readAllBytes(e.dir().resolve(s.uri())));
                // styp, then moof/mdat pairs: a per-segment sidx is what some TV players reject.
                assertFalse(boxes.contains("sidx"), e.variant().name() + "/" + s.uri() + ": " + boxes);
                assertEquals("moof", boxes.get(1), e.variant().name() + "/" + s.uri() + ": " + boxes);
                // No styp brand promises an index the segment does not have (msix); it says CMAF (cmfs).
                List<String> brands = Fmp4Fragments.stypBrands(Files.readAllBytes(e.dir().resolve(s.uri())));
                assertFalse(brands.contains("msix"), e.variant().name() + "/" + s.uri() + ": " + brands);
                assertTrue(brands.contains("cmfs"), e.variant().name() + "/" + s.uri() + ": " + brands);
            }
        }
    }

    @Test
    void ffmpeg_as_a_third_party_dash_client_decodes_every_representation_without_error() throws Exception {
        Path manifest = dir.resolve("out").resolve(DashManifest.FILE);
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", manifest.toString(), "-map", "0",
                "-f", "null", "-")), RunControl.capturing(Duration.ofSeconds(120)));
        assertEquals(0, r.exitCode(), r.stderrTail());
        assertEquals("", r.stderrTail());
        int video = 0;
        int audio = 0;
        for (var s : new SegmentInspector(tools).streams(manifest)) {
            video += s.path("codec_type").asText().equals("video") ? 1 : 0;
            audio += s.path("codec_type").asText().equals("audio") ? 1 : 0;
        }
        assertEquals(encoded.size() - 1, video, "every video Representation is a stream");
        assertEquals(1, audio);
    }

    @Test
    void presentation_time_offset_follows_the_edit_list_less_its_empty_edit() {
        // ffmpeg's B-frame delay: an empty edit of 66 ms (movie timescale 1000), then media from 1024 (of 15360).
        byte[] init = concat(box("mvhd", fullBox(0, new byte[8], u32(1000), new byte[4])),
                box("mdhd", fullBox(0, new byte[8], u32(15360), new byte[4])),
                box("elst", fullBox(0, u32(2), u32(66), u32(-1), u32(0x10000), u32(0), u32(1024), u32(0x10000))));
        InitSegment s = new InitSegment(init);
        assertEquals(15360L, s.timescale().orElseThrow());
        assertEquals(1024 - Math.round(66 * 15360 / 1000.0), s.presentationTimeOffset());
        byte[] noEdits = concat(box("mdhd", fullBox(0, new byte[8], u32(48000), new byte[4])));
        assertEquals(0, new InitSegment(noEdits).presentationTimeOffset());
        byte[] audioPriming = concat(box("mdhd", fullBox(0, new byte[8], u32(48000), new byte[4])),
                box("elst", fullBox(0, u32(1), u32(0), u32(1024), u32(0x10000))));
        assertEquals(1024, new InitSegment(audioPriming).presentationTimeOffset());
    }

    @Test
    void equal_durations_are_one_s_element_with_a_repeat_count_and_rebase_only_moves_base_urls() throws Exception {
        Variant v = new Variant("360p", 640, 360, 900_000, 800_000, "avc1.4d401e", 29.97, 4, 2, "p/360p/");
        String text = DashManifest.render(List.of(new DashTrack(v, 30000, 7, 100, List.of(60060L, 60060L, 60060L, 3003L))),
                x -> "rel/" + x.name() + "/");
        assertTrue(text.contains("<S t=\"100\" d=\"60060\" r=\"2\"/>"), text);
        assertTrue(text.contains("<S t=\"180280\" d=\"3003\"/>"), text);
        assertTrue(text.contains("presentationTimeOffset=\"7\""), text);
        assertTrue(text.contains("frameRate=\"30000/1001\""), text);
        String rebased = DashManifest.rebase(text, id -> "/s/abc/vid/" + id + "/");
        Element rep = representations(parse(rebased)).get(0);
        assertEquals("/s/abc/vid/360p/", child(rep, "BaseURL").getTextContent());
        assertEquals(timeline(child(child(representations(parse(text)).get(0), "SegmentTemplate"), "SegmentTimeline")).size(),
                timeline(child(child(rep, "SegmentTemplate"), "SegmentTimeline")).size());
        assertEquals("30", DashManifest.frameRate(30.0));
        assertEquals("25", DashManifest.frameRate(25.0));
        assertEquals("60000/1001", DashManifest.frameRate(59.94));
    }

    // --- helpers -----------------------------------------------------------------------------------

    static EncodedRung encodedRung(String name) {
        return encoded.stream().filter(e -> e.variant().name().equals(name)).findFirst().orElseThrow();
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> representations(Document d) {
        NodeList n = d.getElementsByTagNameNS("*", "Representation");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < n.getLength(); i++) {
            out.add((Element) n.item(i));
        }
        return out;
    }

    static Element child(Element e, String name) {
        for (var c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element el && name.equals(el.getLocalName())) {
                return el;
            }
        }
        throw new AssertionError("no " + name + " in " + e.getLocalName());
    }

    /** Every segment's (t, d), with r expanded and a missing t following on from the one before. */
    static List<long[]> timeline(Element segmentTimeline) {
        List<long[]> out = new ArrayList<>();
        long next = 0;
        for (var c = segmentTimeline.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element s) {
                long t = s.hasAttribute("t") ? Long.parseLong(s.getAttribute("t")) : next;
                long d = Long.parseLong(s.getAttribute("d"));
                int r = s.hasAttribute("r") ? Integer.parseInt(s.getAttribute("r")) : 0;
                for (int i = 0; i <= r; i++) {
                    out.add(new long[] {t, d});
                    t += d;
                }
                next = t;
            }
        }
        return out;
    }

    static Map<String, Map<String, String>> streamInfByUri(String master) {
        Map<String, Map<String, String>> out = new HashMap<>();
        List<String> lines = master.lines().toList();
        Pattern attr = Pattern.compile("([A-Z-]+)=(\"[^\"]*\"|[^,]*)");
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#EXT-X-STREAM-INF:")) {
                Map<String, String> m = new HashMap<>();
                Matcher matcher = attr.matcher(lines.get(i).substring("#EXT-X-STREAM-INF:".length()));
                while (matcher.find()) {
                    m.put(matcher.group(1), matcher.group(2));
                }
                out.put(lines.get(i + 1), m);
            }
        }
        return out;
    }

    static double ratio(String rate) {
        String[] p = rate.split("/");
        return p.length == 1 ? Double.parseDouble(p[0]) : Double.parseDouble(p[0]) / Double.parseDouble(p[1]);
    }

    private static byte[] box(String type, byte[] payload) {
        return concat(u32(8 + payload.length), type.getBytes(StandardCharsets.US_ASCII), payload);
    }

    private static byte[] fullBox(int version, byte[]... fields) {
        return concat(new byte[] {(byte) version, 0, 0, 0}, concat(fields));
    }

    private static byte[] u32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
