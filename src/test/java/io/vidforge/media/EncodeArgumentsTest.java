package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one place encode arguments are built: the settings that make separate rung encodes line up. */
class EncodeArgumentsTest {
    private static final Ladder LADDER = Ladder.standard(6);
    private static final SourceInfo NTSC_WITH_AUDIO =
            new SourceInfo(10, 1920, 1080, "h264", "aac", 29.97, 6, 0, "mov,mp4,m4a,3gp,3g2,mj2");
    private static final SourceInfo SILENT = new SourceInfo(10, 1280, 720, "h264", null, 25, 0, 0, "mov");

    @TempDir
    Path dir;

    private static String after(List<String> args, String option) {
        return args.get(args.indexOf(option) + 1);
    }

    @Test
    void keyframes_are_forced_on_a_fixed_clock_with_scene_cuts_off_and_closed_gops() {
        Rung r = LADDER.rungs().get(1);
        List<String> a = EncodeArguments.forRung(Path.of("/in.mp4"), NTSC_WITH_AUDIO, r, LADDER, "veryfast", Path.of("/out"));
        assertEquals("expr:gte(t,n_forced*2)", after(a, "-force_key_frames"));
        assertEquals("0", after(a, "-sc_threshold"));
        assertEquals("+cgop", after(a, "-flags"));
        assertEquals("1", after(a, "-forced-idr"));
        assertEquals("cfr", after(a, "-fps_mode"));
        assertEquals("30000/1001", after(a, "-r"));
        assertEquals("60", after(a, "-g")); // ceil(2 s × 29.97): x264 never adds a keyframe of its own
        assertTrue(after(a, "-vf").contains("fps=30000/1001,scale=1280:720"), after(a, "-vf"));
        assertEquals("6", after(a, "-hls_time"));
        assertEquals("fmp4", after(a, "-hls_segment_type"));
        assertEquals("vod", after(a, "-hls_playlist_type"));
        assertEquals("independent_segments", after(a, "-hls_flags"));
        assertEquals(r.maxrateKbps() + "k", after(a, "-maxrate"));
        assertEquals(r.bufsizeKbps() + "k", after(a, "-bufsize"));
        assertEquals("high", after(a, "-profile:v"));
        assertEquals("3.1", after(a, "-level:v"));
    }

    @Test
    void audio_is_stereo_48k_aac_at_the_rung_rate_or_absent_for_a_silent_source() {
        Rung r = LADDER.rungs().get(4);
        List<String> withAudio = EncodeArguments.forRung(Path.of("/in.mp4"), NTSC_WITH_AUDIO, r, LADDER, "veryfast",
                Path.of("/out"));
        assertEquals("aac", after(withAudio, "-c:a"));
        assertEquals("2", after(withAudio, "-ac"));
        assertEquals("48000", after(withAudio, "-ar"));
        assertEquals(r.audioKbps() + "k", after(withAudio, "-b:a"));
        assertTrue(withAudio.contains("0:a:0"));

        List<String> silent = EncodeArguments.forRung(Path.of("/in.mp4"), SILENT, r, LADDER, "veryfast", Path.of("/out"));
        assertTrue(silent.contains("-an"));
        assertFalse(silent.contains("-c:a"));
        assertFalse(silent.contains("0:a:0"));
    }

    @Test
    void a_work_directory_with_colons_spaces_and_dashes_is_passed_safely() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("w:x -y"));
        List<String> a = EncodeArguments.forRung(odd.resolve("in.mp4"), SILENT, LADDER.rungs().get(4), LADDER, "veryfast",
                odd.resolve("out"));
        assertTrue(after(a, "-i").startsWith("file:/"), "a path is never read as a protocol or an option");

        MediaClips clips = new MediaClips(odd);
        Path input = clips.make(Clip.of("in", 320, 240, 2, 2));
        SourceInfo source = new Prober(clips.tools()).probe(input, () -> false);
        EncodedRung e = new RungEncoder(clips.tools()).encode(input, source, Ladder.standard(2).rungsFor(240).get(0),
                Ladder.standard(2), odd.resolve("out"), f -> { }, () -> false);
        assertTrue(Files.exists(odd.resolve("out").resolve("seg_00000.m4s")), "segments land in the odd directory");
        assertEquals(1, e.variant().segmentCount());
    }

    @Test
    void a_work_directory_with_a_percent_sign_is_refused_before_ffmpeg_runs() {
        // ffmpeg's HLS muxer would expand it as a pattern and fail to open the segment.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncodeArguments.forRung(
                Path.of("/in.mp4"), SILENT, LADDER.rungs().get(4), LADDER, "veryfast", Path.of("/work/50%/out")));
        assertTrue(e.getMessage().contains("'%'"), e.getMessage());
    }
}
