package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media as phones and cameras record it, each clip generated with the bundled ffmpeg (1-2.5 s, as small as
 * the case allows), probed and encoded into its whole ladder and audio rendition in one process, as the
 * default TRANSCODE task does. For every case, every variant is 8-bit 4:2:0, tagged BT.709, at the expected
 * size and frame rate, cut at the same times as the other rungs, and the master passes the Apple rules.
 */
class PhoneAndCameraInputsTest {
    static final Ladder LADDER = Ladder.standard(2);

    @TempDir
    static Path dir;
    static MediaClips clips;
    static SegmentInspector inspector;
    static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    /** One clip probed and encoded. */
    record Run(SourceInfo source, List<EncodedRung> video, EncodedRung audio, Path out, String master) {
        Variant variant(String name) {
            return video.stream().map(EncodedRung::variant).filter(v -> v.name().equals(name)).findFirst().orElseThrow();
        }
    }

    @BeforeAll
    static void setUp() {
        clips = new MediaClips(dir);
        inspector = new SegmentInspector(clips.tools());
    }

    static Run run(String name, Path input) throws Exception {
        Run cached = RUNS.get(name);
        if (cached != null) {
            return cached;
        }
        SourceInfo source = new Prober(clips.tools()).probe(input, () -> false);
        Path out = dir.resolve("out-" + name);
        long start = System.nanoTime();
        List<EncodedRung> encoded = new LadderEncoder(clips.tools()).encode(input, source, LADDER.rungsFor(source),
                LADDER, out, f -> { }, () -> false);
        System.out.printf(Locale.ROOT, "[%s] %.2f s source, %d renditions encoded in %d ms%n", name, source.durationS(),
                encoded.size(), (System.nanoTime() - start) / 1_000_000);
        List<EncodedRung> video = encoded.stream().filter(e -> !e.variant().isAudio()).toList();
        EncodedRung audio = encoded.stream().filter(e -> e.variant().isAudio()).findFirst().orElse(null);
        String master = MasterPlaylist.render(encoded.stream().map(EncodedRung::variant).toList(),
                v -> v.name() + "/" + EncodeArguments.PLAYLIST);
        Files.writeString(out.resolve("master.m3u8"), master, StandardCharsets.UTF_8);
        Run run = new Run(source, video, audio, out, master);
        assertEveryVariantIsPlayableSdr(name, run);
        RUNS.put(name, run);
        return run;
    }

    /**
     * The guarantees every case shares: 8-bit 4:2:0, BT.709 tags, the planned even size, the rung's frame
     * rate, identical segment boundaries across rungs, the master passing the Apple rules and decoding.
     */
    static void assertEveryVariantIsPlayableSdr(String name, Run run) throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("inspect-" + name));
        List<Double> reference = null;
        for (EncodedRung e : run.video()) {
            Variant v = e.variant();
            Rung rung = LADDER.rungFor(v.name(), run.source()).orElseThrow();
            FrameSize expected = FrameSize.forRung(run.source(), rung);
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            JsonNode stream = inspector.streams(inspector.joined(e.dir().resolve(p.mapUri()),
                    e.dir().resolve(p.segments().get(0).uri()), scratch)).get(0);
            String who = name + " " + v.name();
            assertEquals("video", stream.path("codec_type").asText(), who);
            assertEquals("yuv420p", stream.path("pix_fmt").asText(), who + ": 8-bit 4:2:0");
            assertEquals("bt709", stream.path("color_primaries").asText(), who);
            assertEquals("bt709", stream.path("color_transfer").asText(), who);
            assertEquals("bt709", stream.path("color_space").asText(), who);
            assertEquals(expected.width(), stream.path("width").asInt(), who);
            assertEquals(expected.height(), stream.path("height").asInt(), who);
            assertEquals(LADDER.frameRateFor(run.source(), rung).value(), Prober.ratio(stream.path("r_frame_rate").asText()),
                    0.01, who + " frame rate");
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
        Run run = run("portrait", clips.make(Clip.of("portrait", 720, 1280, 1, 2)));
        assertEquals(List.of("720p", "480p", "360p", "240p"), names(run));
        assertEquals("720x1280", run.variant("720p").resolution(), "full width, not 406x720");
        assertEquals("480x854", run.variant("480p").resolution());
    }

    @Test
    void a_portrait_clip_recorded_sideways_with_a_rotation_flag_comes_out_upright_at_full_width() throws Exception {
        Run run = run("rotated", clips.make(Clip.of("rotated", 1280, 720, 1, 2).rotated(90)));
        assertEquals(90, run.source().rotation() % 180);
        assertEquals("720p", run.video().get(0).variant().name());
        assertEquals("720x1280", run.variant("720p").resolution(), "displayed size, rotation applied");
    }

    @Test
    void hlg_and_pq_10_bit_hevc_are_tone_mapped_to_8_bit_bt709_and_the_source_says_what_came_in() throws Exception {
        for (String transfer : List.of("arib-std-b67", "smpte2084")) {
            Run run = run("hdr-" + transfer, clips.hdr(transfer));
            assertEquals(transfer.equals("smpte2084") ? SourceInfo.PQ : SourceInfo.HLG, run.source().hdr(), transfer);
            assertEquals(10, run.source().bitDepth(), transfer);
            assertEquals("hevc", run.source().videoCodec());
            // Shared checks (in run): every rung yuv420p, tagged bt709. The tone map itself: the top rung's
            // picture differs from a plain 8-bit conversion of the same HDR frame.
            double mapped = meanLuma(run.video().get(0));
            double naive = meanLumaOfPlainConversion(clips.hdr(transfer));
            assertTrue(Math.abs(mapped - naive) > 3, transfer + ": tone-mapped " + mapped + " vs plain " + naive);
        }
    }

    @Test
    void a_4k_clip_gets_2160p_and_1440p_rungs_in_h264_high_at_the_right_level() throws Exception {
        Run run = run("uhd", clips.make(Clip.of("uhd", 3840, 2160, 1, 2)));
        assertEquals(List.of("2160p", "1440p", "1080p", "720p", "480p", "360p", "240p"), names(run));
        assertEquals("3840x2160", run.variant("2160p").resolution());
        assertEquals("2560x1440", run.variant("1440p").resolution());
        assertEquals("avc1.640033", run.variant("2160p").codecs(), "High 5.1");
        assertEquals("avc1.640032", run.variant("1440p").codecs(), "High 5.0");
    }

    @Test
    void a_1080p60_clip_keeps_60_fps_from_720p_up_and_the_master_says_so_per_variant() throws Exception {
        Run run = run("hfr", clips.make(Clip.of("hfr", 1920, 1080, 1, 2).fps("60")));
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
        for (EncodedRung e : run.video()) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            for (VariantPlaylist.Segment s : p.segments()) {
                Path joined = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(s.uri()), scratch);
                assertTrue(inspector.firstVideoPacketFlags(joined).startsWith("K"), e.variant().name() + "/" + s.uri());
            }
        }
    }

    @Test
    void a_1080i_mpeg2_transport_stream_with_a_10_hour_clock_is_accepted_and_comes_out_progressive_from_zero()
            throws Exception {
        Run run = run("broadcast", clips.broadcastTs());
        assertTrue(run.source().container().contains("mpegts"), run.source().container());
        assertEquals("1080p", run.video().get(0).variant().name());
        Path scratch = Files.createDirectories(dir.resolve("broadcast"));
        for (EncodedRung e : run.video()) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            Path first = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(p.segments().get(0).uri()), scratch);
            JsonNode stream = inspector.streams(first).get(0);
            // At 0, not 10 hours in: the first presentation time is at most x264's B-frame reorder delay (two
            // frames), which every encoded file has.
            double start = stream.path("start_time").asDouble(-1);
            assertTrue(start >= 0 && start <= 2.01 / e.variant().frameRate(), e.variant().name() + " starts at " + start);
            assertTrue(List.of("progressive", "").contains(stream.path("field_order").asText("")),
                    e.variant().name() + " is progressive: " + stream.path("field_order"));
            assertEquals(run.source().durationS(), p.totalDuration(), 0.2, e.variant().name() + " lasts as the source");
        }
        VariantPlaylist audio = VariantPlaylist.parse(Files.readString(run.audio().playlist()));
        assertEquals(run.source().durationS(), audio.totalDuration(), 0.2, "the audio lasts as the source");
    }

    @Test
    void of_two_audio_tracks_the_one_marked_default_becomes_the_audio_rendition() throws Exception {
        Run run = run("two-audio", clips.twoAudioTracksSecondDefault());
        assertEquals(1, run.source().audioTrack(), "the second track carries the default disposition");
        double peak = maxVolumeDb(run.audio().playlist());
        assertTrue(peak > -20, "the tone of the default track, not the silent first one: " + peak + " dB");
    }

    private static List<String> names(Run run) {
        return run.video().stream().map(e -> e.variant().name()).toList();
    }

    private static final Pattern YAVG = Pattern.compile("lavfi\\.signalstats\\.YAVG=([0-9.]+)");
    private static final Pattern MAX_VOLUME = Pattern.compile("max_volume: (-?[0-9.]+|-inf) dB");

    private static double meanLuma(EncodedRung e) throws Exception {
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
