package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.SourceInfo;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestTimings;
import io.vidforge.testing.VideoWait;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media as phones and cameras record it, each clip generated with the bundled ffmpeg (1-2.5 s, as small as
 * the case allows) and uploaded over HTTP to one node with every role, which probes, encodes the whole ladder
 * and the audio rendition (one TRANSCODE task) and publishes it. All clips are uploaded first so the worker
 * encodes them back to back; each case then awaits {@code ready} and checks what was published, fetched
 * through the segment role: every variant is 8-bit 4:2:0, tagged BT.709, at the expected size and frame
 * rate, cut at the same times as the other rungs, and the master passes the Apple rules.
 */
class PhoneAndCameraInputsTest {
    static final Ladder LADDER = Ladder.standard(2);
    static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    static Path dir;
    static MediaClips clips;
    static SegmentInspector inspector;
    static Node node;
    static final Map<String, Path> INPUTS = new LinkedHashMap<>();
    static final Map<String, String> IDS = new LinkedHashMap<>();
    static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    /** One rendition as published: its entry in the video JSON and its playlist and files fetched over HTTP. */
    record Published(String name, String resolution, String codecs, double frameRate, Path dir, Path playlist) {
    }

    /** One clip uploaded, ready and fetched back: its source, its video JSON and its renditions. */
    record Run(SourceInfo source, JsonNode json, List<Published> video, Published audio, Path out, String master) {
        Published variant(String name) {
            return video.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        clips = new MediaClips(dir);
        inspector = new SegmentInspector(clips.tools());
        node = TestNodes.start(TestNodes.environment("phone-camera"), "all-1", EnumSet.allOf(Role.class),
                TestTimings.SINGLE_NODE, Clock.systemUTC());
        // Each clip is uploaded as soon as it is generated, so the worker is busy while the next one is made.
        upload("portrait", clips.make(Clip.of("portrait", 720, 1280, 1, 2)));
        upload("rotated", clips.make(Clip.of("rotated", 1280, 720, 1, 2).rotated(90)));
        upload("hdr-arib-std-b67", clips.hdr("arib-std-b67"));
        upload("hdr-smpte2084", clips.hdr("smpte2084"));
        upload("uhd", clips.make(Clip.of("uhd", 3840, 2160, 1, 2)));
        upload("hfr", clips.make(Clip.of("hfr", 1920, 1080, 1, 2).fps("60")));
        upload("broadcast", clips.broadcastTs());
        upload("two-audio", clips.twoAudioTracksSecondDefault());
    }

    @AfterAll
    static void tearDown() {
        if (node != null) {
            node.close();
        }
    }

    private static void upload(String name, Path input) throws Exception {
        Http.Response up = Http.post(node.baseUri().resolve("/upload?title=" + name), Files.readAllBytes(input),
                "application/octet-stream");
        assertEquals(201, up.status(), name + ": " + up.text());
        INPUTS.put(name, input);
        IDS.put(name, up.json().get("video_id").asText());
    }

    static Run run(String name) throws Exception {
        Run cached = RUNS.get(name);
        if (cached != null) {
            return cached;
        }
        long start = System.nanoTime();
        String id = IDS.get(name);
        JsonNode json = VideoWait.ready(node.baseUri().resolve("/videos/" + id), READY_TIMEOUT);
        System.out.printf(Locale.ROOT, "[%s] ready after %d ms more of waiting%n", name,
                (System.nanoTime() - start) / 1_000_000);
        // The ladder the platform must have chosen, from the same probe of the same file.
        SourceInfo source = new Prober(clips.tools()).probe(INPUTS.get(name), () -> false);
        Path out = Files.createDirectories(dir.resolve("out-" + name));
        String master = mirror(id, out);
        Files.writeString(out.resolve("master.m3u8"), master, StandardCharsets.UTF_8);
        List<Published> video = new ArrayList<>();
        Published audio = null;
        for (JsonNode v : json.path("variants")) {
            String n = v.path("name").asText();
            Published p = new Published(n, v.path("width").asInt() + "x" + v.path("height").asInt(),
                    v.path("codecs").asText(), v.path("frame_rate").asDouble(), out.resolve(n),
                    out.resolve(n).resolve(EncodeArguments.PLAYLIST));
            if ("audio".equals(v.path("type").asText())) {
                audio = p;
            } else {
                video.add(p);
            }
        }
        Run run = new Run(source, json, video, audio, out, master);
        assertEveryVariantIsPlayableSdr(name, run);
        RUNS.put(name, run);
        return run;
    }

    private static final Pattern URI_ATTRIBUTE = Pattern.compile("URI=\"([^\"]+)\"");

    /**
     * The published master and every playlist, init segment and media segment it names, fetched over HTTP
     * from the segment role into {@code out/<variant>/}; returns the master rewritten to those local files.
     */
    private static String mirror(String id, Path out) throws Exception {
        URI masterUri = node.baseUri().resolve("/play/" + id + "/master.m3u8");
        Http.Response m = Http.get(masterUri);
        assertEquals(200, m.status(), "master of " + id);
        return rewriteUris(m.text(), uri -> {
            URI playlist = masterUri.resolve(uri);
            String path = playlist.getPath();
            String afterId = path.substring(path.indexOf("/" + id + "/") + id.length() + 2);
            String variant = afterId.substring(0, afterId.indexOf('/'));
            Path variantDir = Files.createDirectories(out.resolve(variant));
            Http.Response p = Http.get(playlist);
            assertEquals(200, p.status(), path);
            String local = rewriteUris(p.text(), u -> {
                URI file = playlist.resolve(u);
                String fileName = file.getPath().substring(file.getPath().lastIndexOf('/') + 1);
                Http.Response f = Http.get(file);
                assertEquals(200, f.status(), file.getPath());
                Files.write(variantDir.resolve(fileName), f.body());
                return fileName;
            });
            Files.writeString(variantDir.resolve(EncodeArguments.PLAYLIST), local, StandardCharsets.UTF_8);
            return variant + "/" + EncodeArguments.PLAYLIST;
        });
    }

    interface UriRewrite {
        String apply(String uri) throws Exception;
    }

    /** The playlist with every URI (URI lines and URI="..." attributes) replaced by {@code rewrite}'s answer. */
    private static String rewriteUris(String playlist, UriRewrite rewrite) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line : playlist.split("\n", -1)) {
            if (line.isBlank()) {
                b.append(line);
            } else if (!line.startsWith("#")) {
                b.append(rewrite.apply(line.strip()));
            } else {
                Matcher m = URI_ATTRIBUTE.matcher(line);
                StringBuilder l = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(l, Matcher.quoteReplacement("URI=\"" + rewrite.apply(m.group(1)) + "\""));
                }
                m.appendTail(l);
                b.append(l);
            }
            b.append('\n');
        }
        return b.substring(0, b.length() - 1);
    }

    /**
     * The guarantees every case shares: 8-bit 4:2:0, BT.709 tags, the planned even size, the rung's frame
     * rate, identical segment boundaries across rungs, the master passing the Apple rules and decoding.
     */
    static void assertEveryVariantIsPlayableSdr(String name, Run run) throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("inspect-" + name));
        // The video JSON lists the planned ladder, highest first, and the audio rendition iff there is audio.
        assertEquals(LADDER.rungsFor(run.source()).stream().map(Rung::name).toList(), names(run), name + " ladder");
        assertEquals(run.source().hasAudio(), run.audio() != null, name + ": an audio rendition iff the source has audio");
        List<Double> reference = null;
        for (Published e : run.video()) {
            Rung rung = LADDER.rungFor(e.name(), run.source()).orElseThrow();
            FrameSize expected = FrameSize.forRung(run.source(), rung);
            String who = name + " " + e.name();
            double rate = LADDER.frameRateFor(run.source(), rung).value();
            assertEquals(expected.width() + "x" + expected.height(), e.resolution(), who + " in the video JSON");
            assertEquals(rate, e.frameRate(), 0.01, who + " frame rate in the video JSON");
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            JsonNode stream = inspector.streams(inspector.joined(e.dir().resolve(p.mapUri()),
                    e.dir().resolve(p.segments().get(0).uri()), scratch)).get(0);
            assertEquals("video", stream.path("codec_type").asText(), who);
            assertEquals("yuv420p", stream.path("pix_fmt").asText(), who + ": 8-bit 4:2:0");
            assertEquals("bt709", stream.path("color_primaries").asText(), who);
            assertEquals("bt709", stream.path("color_transfer").asText(), who);
            assertEquals("bt709", stream.path("color_space").asText(), who);
            assertEquals(expected.width(), stream.path("width").asInt(), who);
            assertEquals(expected.height(), stream.path("height").asInt(), who);
            assertEquals(rate, Prober.ratio(stream.path("r_frame_rate").asText()), 0.01, who + " frame rate");
            List<Double> durations = p.segments().stream().map(VariantPlaylist.Segment::durationS).toList();
            if (reference == null) {
                reference = durations;
            }
            assertEquals(reference, durations, who + " is cut at the same times as the other rungs");
        }
        HlsAuthoringRules.assertSatisfied(run.master(), uri -> read(run.out().resolve(uri)), run.source().hasAudio(),
                run.source().shortSide());
        assertEquals("", inspector.decodeErrors(run.out().resolve("master.m3u8")), name + ": ffmpeg plays the master");
    }

    @Test
    void a_plain_portrait_clip_gets_full_width_rungs_named_by_the_short_side() throws Exception {
        Run run = run("portrait");
        assertEquals(List.of("720p", "480p", "360p", "240p"), names(run));
        assertEquals("720x1280", run.variant("720p").resolution(), "full width, not 406x720");
        assertEquals("480x854", run.variant("480p").resolution());
    }

    @Test
    void a_portrait_clip_recorded_sideways_with_a_rotation_flag_comes_out_upright_at_full_width() throws Exception {
        Run run = run("rotated");
        assertEquals(90, run.source().rotation() % 180);
        assertEquals(90, run.json().path("source").path("rotation").asInt() % 180, "the video JSON says so");
        assertEquals(1280, run.json().path("source").path("height").asInt(), "displayed size in the video JSON");
        assertEquals("720p", run.video().get(0).name());
        assertEquals("720x1280", run.variant("720p").resolution(), "displayed size, rotation applied");
    }

    @Test
    void hlg_and_pq_10_bit_hevc_are_tone_mapped_to_8_bit_bt709_and_the_source_says_what_came_in() throws Exception {
        for (String transfer : List.of("arib-std-b67", "smpte2084")) {
            Run run = run("hdr-" + transfer);
            JsonNode source = run.json().path("source");
            assertEquals(transfer.equals("smpte2084") ? SourceInfo.PQ : SourceInfo.HLG, source.path("hdr").asText(), transfer + ": " + source);
            assertEquals(10, source.path("bit_depth").asInt(), transfer);
            assertEquals("hevc", source.path("video_codec").asText());
            // Shared checks (in run): every rung yuv420p, tagged bt709. The tone map itself: the top rung's
            // picture differs from a plain 8-bit conversion of the same HDR frame.
            double mapped = meanLuma(run.video().get(0));
            double naive = meanLumaOfPlainConversion(INPUTS.get("hdr-" + transfer));
            assertTrue(Math.abs(mapped - naive) > 3, transfer + ": tone-mapped " + mapped + " vs plain " + naive);
        }
    }

    @Test
    void a_4k_clip_gets_2160p_and_1440p_rungs_in_h264_high_at_the_right_level() throws Exception {
        Run run = run("uhd");
        assertEquals(List.of("2160p", "1440p", "1080p", "720p", "480p", "360p", "240p"), names(run));
        assertEquals("3840x2160", run.variant("2160p").resolution());
        assertEquals("2560x1440", run.variant("1440p").resolution());
        assertEquals("avc1.640033", run.variant("2160p").codecs(), "High 5.1");
        assertEquals("avc1.640032", run.variant("1440p").codecs(), "High 5.0");
    }

    @Test
    void a_1080p60_clip_keeps_60_fps_from_720p_up_and_the_master_says_so_per_variant() throws Exception {
        Run run = run("hfr");
        Map<String, String> frameRates = new LinkedHashMap<>();
        for (HlsAuthoringRules.StreamInf s : HlsAuthoringRules.parseMaster(run.master())) {
            frameRates.put(s.uri().substring(0, s.uri().indexOf('/')), s.attributes().get("FRAME-RATE"));
        }
        assertEquals(Map.of("1080p", "60.000", "720p", "60.000", "480p", "30.000", "360p", "30.000", "240p", "30.000"),
                frameRates);
        assertEquals("avc1.64002a", run.variant("1080p").codecs(), "High 4.2 for 1080p60");
        assertEquals("avc1.640020", run.variant("720p").codecs(), "High 3.2 for 720p60");
        // Keyframes on the same timestamps at both rates: every segment of every rung starts with one.
        Path scratch = Files.createDirectories(dir.resolve("hfr-keys"));
        for (Published e : run.video()) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            for (VariantPlaylist.Segment s : p.segments()) {
                Path joined = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(s.uri()), scratch);
                assertTrue(inspector.firstVideoPacketFlags(joined).startsWith("K"), e.name() + "/" + s.uri());
            }
        }
    }

    @Test
    void a_1080i_mpeg2_transport_stream_with_a_10_hour_clock_is_accepted_and_comes_out_progressive_from_zero()
            throws Exception {
        Run run = run("broadcast");
        String container = run.json().path("source").path("container").asText();
        assertTrue(container.contains("mpegts"), container);
        assertEquals("1080p", run.video().get(0).name());
        Path scratch = Files.createDirectories(dir.resolve("broadcast"));
        for (Published e : run.video()) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            Path first = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(p.segments().get(0).uri()), scratch);
            JsonNode stream = inspector.streams(first).get(0);
            // At 0, not 10 hours in: the first presentation time is at most x264's B-frame reorder delay (two
            // frames), which every encoded file has.
            double start = stream.path("start_time").asDouble(-1);
            assertTrue(start >= 0 && start <= 2.01 / e.frameRate(), e.name() + " starts at " + start);
            assertTrue(List.of("progressive", "").contains(stream.path("field_order").asText("")),
                    e.name() + " is progressive: " + stream.path("field_order"));
            assertEquals(run.source().durationS(), p.totalDuration(), 0.2, e.name() + " lasts as the source");
        }
        VariantPlaylist audio = VariantPlaylist.parse(Files.readString(run.audio().playlist()));
        assertEquals(run.source().durationS(), audio.totalDuration(), 0.2, "the audio lasts as the source");
    }

    @Test
    void of_two_audio_tracks_the_one_marked_default_becomes_the_audio_rendition() throws Exception {
        Run run = run("two-audio");
        assertEquals(1, run.json().path("source").path("audio_track").asInt(-1),
                "the second track carries the default disposition");
        double peak = maxVolumeDb(run.audio().playlist());
        assertTrue(peak > -20, "the tone of the default track, not the silent first one: " + peak + " dB");
    }

    private static List<String> names(Run run) {
        return run.video().stream().map(Published::name).toList();
    }

    private static final Pattern YAVG = Pattern.compile("lavfi\\.signalstats\\.YAVG=([0-9.]+)");
    private static final Pattern MAX_VOLUME = Pattern.compile("max_volume: (-?[0-9.]+|-inf) dB");

    private static double meanLuma(Published e) throws Exception {
        VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
        Path joined = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(p.segments().get(0).uri()),
                Files.createDirectories(dir.resolve("luma")));
        return yavg(List.of("-i", joined.toString(), "-vf", "signalstats,metadata=print:file=-"));
    }

    private static double meanLumaOfPlainConversion(Path hdr) throws Exception {
        return yavg(List.of("-i", hdr.toString(), "-vf", "format=yuv420p,signalstats,metadata=print:file=-"));
    }

    private static double yavg(List<String> args) throws Exception {
        List<String> a = new ArrayList<>(List.of("-v", "error"));
        a.addAll(args);
        a.addAll(List.of("-frames:v", "1", "-f", "null", "-"));
        ProcessResult r = clips.tools().run(clips.tools().ffmpeg(a), RunControl.capturing(Duration.ofSeconds(60)));
        Matcher m = YAVG.matcher(r.stdout());
        assertTrue(m.find(), "signalstats: " + r.stdout() + r.stderrTail());
        return Double.parseDouble(m.group(1));
    }

    private static double maxVolumeDb(Path playlist) throws Exception {
        ProcessResult r = clips.tools().run(clips.tools().ffmpeg(List.of("-v", "info", "-i", playlist.toString(),
                "-af", "volumedetect", "-f", "null", "-")), RunControl.capturing(Duration.ofSeconds(60)));
        Matcher m = MAX_VOLUME.matcher(r.stderrTail());
        assertTrue(m.find(), "volumedetect: " + r.stderrTail());
        return m.group(1).equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(m.group(1));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
