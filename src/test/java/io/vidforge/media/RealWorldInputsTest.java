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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of upload the platform expects goes through probe and every planned rung, all rungs in one
 * ffmpeg process as the workers run the default whole-ladder task; the outputs must line up across rungs
 * and play. (LadderPackagingTest checks that rungs encoded in separate processes, the per-rung plan, line
 * up with these.) Segments are 2 s so that a 3–4 s clip has several.
 */
class RealWorldInputsTest {
    static final Ladder LADDER = Ladder.standard(2);

    @TempDir
    static Path dir;
    static MediaClips clips;
    static SegmentInspector inspector;
    static final Map<String, LadderRun> RUNS = new ConcurrentHashMap<>();

    /** One clip probed and encoded into every rung planned for it. */
    record LadderRun(SourceInfo source, Map<Rung, EncodedRung> rungs, EncodedRung audio, Path dir) {
        List<VariantPlaylist> playlists() throws Exception {
            List<VariantPlaylist> out = new ArrayList<>();
            for (EncodedRung e : rungs.values()) {
                out.add(VariantPlaylist.parse(Files.readString(e.playlist())));
            }
            return out;
        }
    }

    static Stream<Clip> clips() {
        return Stream.of(
                Clip.of("landscape-stereo", 640, 360, 4, 2),
                Clip.of("portrait-ntsc", 360, 640, 3, 2).fps("30000/1001"),
                Clip.of("odd-size-444", 322, 181, 3, 2),
                Clip.of("no-audio", 640, 360, 3, 0),
                Clip.of("rotated-phone", 640, 360, 3, 2).rotated(90),
                Clip.of("mono", 320, 240, 3, 1),
                Clip.of("surround-5.1", 320, 240, 3, 6),
                Clip.of("vp9-opus", 320, 240, 3, 2).webm(),
                Clip.of("very-short", 320, 240, 0.8, 2),
                Clip.of("variable-frame-rate", 640, 360, 4, 2).withVariableFrameRate(),
                Clip.of("high-frame-rate-120", 320, 240, 2, 2).fps("120"));
    }

    @BeforeAll
    static void setUp() {
        clips = new MediaClips(dir);
        inspector = new SegmentInspector(clips.tools());
    }

    static LadderRun run(Clip clip) throws Exception {
        LadderRun cached = RUNS.get(clip.name());
        if (cached != null) {
            return cached;
        }
        Path input = clips.make(clip);
        SourceInfo source = new Prober(clips.tools()).probe(input, () -> false);
        List<Rung> planned = LADDER.rungsFor(source);
        Path out = dir.resolve("out-" + clip.name());
        List<EncodedRung> encoded = new LadderEncoder(clips.tools()).encode(input, source, planned, LADDER, out,
                f -> { }, () -> false);
        Map<Rung, EncodedRung> rungs = new LinkedHashMap<>();
        for (int i = 0; i < planned.size(); i++) {
            rungs.put(planned.get(i), encoded.get(i));
        }
        EncodedRung audio = encoded.size() > planned.size() ? encoded.get(planned.size()) : null;
        LadderRun run = new LadderRun(source, rungs, audio, out);
        RUNS.put(clip.name(), run);
        return run;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clips")
    void every_rung_has_identical_segment_boundaries(Clip clip) throws Exception {
        LadderRun run = run(clip);
        List<VariantPlaylist> playlists = run.playlists();
        List<Double> reference = playlists.get(0).segments().stream().map(VariantPlaylist.Segment::durationS).toList();
        for (VariantPlaylist p : playlists) {
            assertEquals(reference, p.segments().stream().map(VariantPlaylist.Segment::durationS).toList(),
                    "EXTINF lists differ between rungs of " + clip);
        }
        for (EncodedRung e : run.rungs().values()) {
            assertEquals(reference.size(), e.variant().segmentCount());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clips")
    void every_segment_starts_with_a_keyframe_and_decodes_on_its_own(Clip clip) throws Exception {
        LadderRun run = run(clip);
        Path scratch = Files.createDirectories(dir.resolve("joined-" + clip.name()));
        for (EncodedRung e : run.rungs().values()) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            Path init = e.dir().resolve(p.mapUri());
            for (VariantPlaylist.Segment s : p.segments()) {
                Path joined = inspector.joined(init, e.dir().resolve(s.uri()), scratch);
                String flags = inspector.firstVideoPacketFlags(joined);
                assertTrue(flags.startsWith("K"), e.variant().name() + "/" + s.uri() + " starts with flags " + flags);
                assertEquals("", inspector.decodeErrors(joined), e.variant().name() + "/" + s.uri());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clips")
    void segment_durations_stay_within_the_target_and_cover_the_source(Clip clip) throws Exception {
        LadderRun run = run(clip);
        double frame = 1 / OutputFrameRate.forSource(run.source().frameRate()).value();
        for (VariantPlaylist p : run.playlists()) {
            List<VariantPlaylist.Segment> segs = p.segments();
            for (int i = 0; i < segs.size(); i++) {
                double d = segs.get(i).durationS();
                assertTrue(d <= LADDER.segmentSeconds() + frame + 1e-6, clip + " segment " + i + " lasts " + d);
                if (i < segs.size() - 1) {
                    assertTrue(d >= LADDER.segmentSeconds() - frame - 1e-6, clip + " segment " + i + " lasts " + d);
                }
            }
            // Within 15 ms: a stray extra frame at the end (a one-frame segment) would fail this.
            assertEquals(run.source().durationS(), p.totalDuration(), 0.015, clip + " total duration");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clips")
    void variants_are_upright_at_the_planned_size_with_predicted_codecs_and_stereo_48k_audio(Clip clip) throws Exception {
        LadderRun run = run(clip);
        SourceInfo source = run.source();
        Path scratch = Files.createDirectories(dir.resolve("inspect-" + clip.name()));
        for (Map.Entry<Rung, EncodedRung> entry : run.rungs().entrySet()) {
            Rung rung = entry.getKey();
            EncodedRung e = entry.getValue();
            Variant v = e.variant();
            FrameSize expected = FrameSize.forRung(source, rung);
            assertEquals(expected.width(), v.width());
            assertEquals(expected.height(), v.height());
            assertTrue(v.width() % 2 == 0 && v.height() % 2 == 0);
            assertTrue(v.height() <= source.height(), "never upscaled");
            assertEquals(CodecStrings.forRung(rung), v.codecs(), "predicted CODECS of " + rung);
            assertTrue(v.frameRate() <= 60.0);
            assertTrue(v.bandwidth() >= v.averageBandwidth());

            VariantPlaylist p = VariantPlaylist.parse(Files.readString(e.playlist()));
            Path joined = inspector.joined(e.dir().resolve(p.mapUri()), e.dir().resolve(p.segments().get(0).uri()), scratch);
            JsonNode video = null;
            JsonNode audio = null;
            for (JsonNode s : inspector.streams(joined)) {
                if (s.path("codec_type").asText().equals("video")) {
                    video = s;
                } else if (s.path("codec_type").asText().equals("audio")) {
                    audio = s;
                }
            }
            assertEquals(expected.width(), video.path("width").asInt(), "coded width of " + rung.name());
            assertEquals(expected.height(), video.path("height").asInt(), "coded height of " + rung.name());
            assertFalse(video.toString().contains("Display Matrix"), "output carries no rotation to apply");
            assertEquals("yuv420p", video.path("pix_fmt").asText());
            assertEquals(null, audio, "variants are video-only");
        }
        assertEquals(source.hasAudio(), run.audio() != null, "an audio rendition exactly when the source has audio");
        if (run.audio() != null) {
            VariantPlaylist p = VariantPlaylist.parse(Files.readString(run.audio().playlist()));
            Path joined = inspector.joined(run.audio().dir().resolve(p.mapUri()),
                    run.audio().dir().resolve(p.segments().get(0).uri()), scratch);
            JsonNode streams = inspector.streams(joined);
            assertEquals(1, streams.size(), "the audio rendition carries the audio alone");
            JsonNode audio = streams.get(0);
            assertEquals("aac", audio.path("codec_name").asText());
            assertEquals("LC", audio.path("profile").asText());
            assertEquals(2, audio.path("channels").asInt());
            assertEquals("48000", audio.path("sample_rate").asText());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clips")
    void ffmpeg_as_an_hls_client_decodes_every_variant_of_the_master(Clip clip) throws Exception {
        LadderRun run = run(clip);
        List<Variant> variants = new ArrayList<>(run.rungs().values().stream().map(EncodedRung::variant).toList());
        if (run.audio() != null) {
            variants.add(run.audio().variant());
        }
        String master = MasterPlaylist.render(variants, v -> v.name() + "/" + EncodeArguments.PLAYLIST);
        Path masterFile = run.dir().resolve("master.m3u8");
        Files.writeString(masterFile, master, StandardCharsets.UTF_8);
        HlsAuthoringRules.assertSatisfied(master, uri -> read(run.dir().resolve(uri)), run.source().hasAudio(),
                run.source().height());
        assertEquals("", inspector.decodeErrors(masterFile), "ffmpeg -i master.m3u8 -map 0 -f null -");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
