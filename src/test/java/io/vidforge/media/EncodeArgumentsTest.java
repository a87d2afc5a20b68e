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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one place encode arguments are built: one decode feeding one encoder and one HLS output per rung,
 * and the settings that make rungs line up whether they are encoded in one process or in several.
 */
class EncodeArgumentsTest {
    private static final Ladder LADDER = Ladder.standard(6);
    private static final SourceInfo NTSC_WITH_AUDIO =
            new SourceInfo(10, 1920, 1080, "h264", "aac", 29.97, 6, 0, "mov,mp4,m4a,3gp,3g2,mj2");
    private static final SourceInfo SILENT = new SourceInfo(10, 1280, 720, "h264", null, 25, 0, 0, "mov");
    private static final Path OUT = Path.of("/out");

    @TempDir
    Path dir;

    private static String after(List<String> args, String option) {
        return args.get(args.indexOf(option) + 1);
    }

    /** The arguments of each rung's output, in order: from its {@code -map [vN]} up to its playlist. */
    private static List<List<String>> outputs(List<String> args) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-map") && args.get(i + 1).matches("\\[v\\d+]")) {
                out.add(new ArrayList<>());
            } else if (args.get(i).equals("-map")) {
                break; // the audio rendition's output follows the rungs'
            }
            if (!out.isEmpty()) {
                out.get(out.size() - 1).add(args.get(i));
            }
        }
        return out;
    }

    @Test
    void the_ladder_decodes_the_source_once_and_splits_it_into_one_scaler_encoder_and_hls_output_per_rung() {
        List<Rung> rungs = LADDER.rungsFor(1080);
        List<String> a = EncodeArguments.forLadder(Path.of("/in.mp4"), NTSC_WITH_AUDIO, rungs, NTSC_WITH_AUDIO.hasAudio(), LADDER, "veryfast", OUT);

        assertEquals(1, Collections.frequency(a, "-i"), "one input, decoded once");
        String graph = after(a, "-filter_complex");
        assertTrue(graph.startsWith("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=30000/1001:start_time=0,split=5"
                + "[s0][s1][s2][s3][s4];"), graph);
        assertTrue(graph.contains("[s1]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p,"
                + EncodeArguments.TAG_BT709 + "[v1]"), graph);
        assertTrue(graph.contains("[s4]scale=426:240:flags=bicubic,setsar=1,format=yuv420p,"
                + EncodeArguments.TAG_BT709 + "[v4]"), graph);

        List<List<String>> outputs = outputs(a);
        assertEquals(rungs.size(), outputs.size());
        assertEquals(rungs.size(), Collections.frequency(a, "libx264"), "one x264 encoder per rung");
        for (int i = 0; i < rungs.size(); i++) {
            Rung r = rungs.get(i);
            List<String> o = outputs.get(i);
            assertEquals("[v" + i + "]", after(o, "-map"));
            assertEquals("hls", after(o, "-f"));
            assertEquals("/out/" + r.name() + "/seg_%05d.m4s", after(o, "-hls_segment_filename"));
            assertEquals("/out/" + r.name() + "/index.m3u8", o.get(o.size() - 1), "each rung in its own folder");
            assertEquals(r.videoKbps() + "k", after(o, "-b:v"));
            assertEquals(r.avcProfile(), after(o, "-profile:v"));
            assertTrue(o.contains("-an"), "variants are video-only");
            assertFalse(o.contains("-c:a"), "no audio encoder in a rung's output");
        }
        List<String> audio = audioOutput(a);
        assertEquals(1, Collections.frequency(a, "aac"), "the audio is encoded once, for every rung");
        assertEquals("/out/audio/index.m3u8", audio.get(audio.size() - 1), "in a folder of its own");
        assertEquals("/out/audio/seg_%05d.m4s", after(audio, "-hls_segment_filename"));
        assertEquals("6", after(audio, "-hls_time"), "cut on the video's segment clock");
    }

    /** The audio rendition's output: from its {@code -map 0:a:N} up to its playlist. */
    private static List<String> audioOutput(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-map") && args.get(i + 1).startsWith("0:a:")) {
                return args.subList(i, args.size());
            }
        }
        throw new AssertionError("no audio output in " + args);
    }

    @Test
    void every_rungs_keyframes_are_forced_on_the_same_clock_with_scene_cuts_off_and_closed_gops() {
        List<String> a = EncodeArguments.forLadder(Path.of("/in.mp4"), NTSC_WITH_AUDIO, LADDER.rungsFor(1080), NTSC_WITH_AUDIO.hasAudio(), LADDER,
                "veryfast", OUT);
        for (List<String> o : outputs(a)) {
            assertEquals("expr:gte(t,n_forced*2)", after(o, "-force_key_frames"));
            assertEquals("0", after(o, "-sc_threshold"));
            assertEquals("+cgop", after(o, "-flags"));
            assertEquals("1", after(o, "-forced-idr"));
            assertEquals("cfr", after(o, "-fps_mode"));
            assertEquals("30000/1001", after(o, "-r"));
            assertEquals("60", after(o, "-g")); // ceil(2 s × 29.97): x264 never adds a keyframe of its own
            assertEquals("6", after(o, "-hls_time"));
            assertEquals("fmp4", after(o, "-hls_segment_type"));
            assertEquals("vod", after(o, "-hls_playlist_type"));
            assertEquals("independent_segments", after(o, "-hls_flags"));
        }
        Rung r = LADDER.rungFor("720p", NTSC_WITH_AUDIO).orElseThrow();
        List<String> o = outputs(a).get(1);
        assertEquals(r.maxrateKbps() + "k", after(o, "-maxrate"));
        assertEquals(r.bufsizeKbps() + "k", after(o, "-bufsize"));
        assertEquals("high", after(o, "-profile:v"));
        assertEquals("3.1", after(o, "-level:v"));
    }

    @Test
    void a_60_fps_source_keeps_its_rate_from_720p_up_and_lower_rungs_take_every_other_frame_of_it() {
        SourceInfo sixty = new SourceInfo(10, 1920, 1080, "h264", "aac", 60, 2, 0, "mov");
        List<Rung> rungs = LADDER.rungsFor(sixty);
        List<String> a = EncodeArguments.forLadder(Path.of("/in.mp4"), sixty, rungs, true, LADDER, "veryfast", OUT);
        String graph = after(a, "-filter_complex");
        assertTrue(graph.startsWith("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=60:start_time=0,split=5"), graph);
        assertTrue(graph.contains("[s0]scale=1920:1080:"), graph);
        assertTrue(graph.contains("[s1]scale=1280:720:"), graph);
        assertTrue(graph.contains("[s2]fps=30,scale=854:480:"), "halved after the shared 60 fps timeline: " + graph);
        List<List<String>> outputs = outputs(a);
        for (int i = 0; i < rungs.size(); i++) {
            List<String> o = outputs.get(i);
            boolean full = i < 2;
            assertEquals(full ? "60" : "30", after(o, "-r"), rungs.get(i).name());
            assertEquals(full ? "120" : "60", after(o, "-g"), "2 s of frames at the rung's rate");
            // Keyframes are forced by time, so both rates put them on the same timestamps.
            assertEquals("expr:gte(t,n_forced*2)", after(o, "-force_key_frames"));
        }
        assertEquals("7500k", after(outputs.get(0), "-b:v"));
        assertEquals("4.2", after(outputs.get(0), "-level:v"));
    }

    @Test
    void hdr_sources_are_tone_mapped_to_bt709_once_before_the_split_and_every_rung_is_tagged_bt709() {
        for (String hdr : List.of(SourceInfo.PQ, SourceInfo.HLG)) {
            SourceInfo source = new SourceInfo(10, 3840, 2160, "hevc", "aac", 30, 2, 0, "mov", 0, hdr, 10);
            List<Rung> rungs = LADDER.rungsFor(source);
            List<String> a = EncodeArguments.forLadder(Path.of("/in.mp4"), source, rungs, false, LADDER, "veryfast", OUT);
            String graph = after(a, "-filter_complex");
            assertTrue(graph.startsWith("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=30:start_time=0,"
                    + EncodeArguments.TONE_MAP_TO_BT709 + ",split=7"), graph);
            assertEquals(1, graph.split("tonemap=", -1).length - 1, "tone-mapped once");
        }
        SourceInfo sdr = new SourceInfo(10, 1280, 720, "hevc", "aac", 30, 2, 0, "mov", 0, null, 10);
        List<String> plain = EncodeArguments.forLadder(Path.of("/in.mp4"), sdr, LADDER.rungsFor(sdr), false, LADDER,
                "veryfast", OUT);
        assertFalse(after(plain, "-filter_complex").contains("tonemap"), "10-bit SDR is only converted to 8 bits");
        assertTrue(after(plain, "-filter_complex").contains("format=yuv420p," + EncodeArguments.TAG_BT709 + "[v0]"));
        for (List<String> o : outputs(plain)) {
            assertEquals("bt709", after(o, "-color_primaries"));
            assertEquals("bt709", after(o, "-color_trc"));
            assertEquals("bt709", after(o, "-colorspace"));
        }
    }

    @Test
    void one_rung_gets_the_same_arguments_without_a_split() {
        Rung r = LADDER.rungFor("720p", NTSC_WITH_AUDIO).orElseThrow();
        List<String> one = EncodeArguments.forLadder(Path.of("/in.mp4"), NTSC_WITH_AUDIO, List.of(r), false, LADDER, "veryfast",
                OUT);
        assertEquals("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=30000/1001:start_time=0,"
                + "scale=1280:720:flags=bicubic,setsar=1,format=yuv420p,"
                + EncodeArguments.TAG_BT709 + "[v0]", after(one, "-filter_complex"));
        List<String> inLadder = outputs(EncodeArguments.forLadder(Path.of("/in.mp4"), NTSC_WITH_AUDIO,
                LADDER.rungsFor(1080), true, LADDER, "veryfast", OUT)).get(1);
        List<String> alone = outputs(one).get(0);
        assertEquals(inLadder.subList(2, inLadder.size()), alone.subList(2, alone.size()),
                "a rung's output is encoded the same alone or in the ladder");
    }

    @Test
    void audio_is_one_stereo_48k_aac_rendition_of_the_chosen_track_or_absent_for_a_silent_source() {
        List<String> withAudio = audioOutput(EncodeArguments.forLadder(Path.of("/in.mp4"), NTSC_WITH_AUDIO,
                LADDER.rungsFor(NTSC_WITH_AUDIO), true, LADDER, "veryfast", OUT));
        assertEquals("aac", after(withAudio, "-c:a"));
        assertEquals("2", after(withAudio, "-ac"));
        assertEquals("48000", after(withAudio, "-ar"));
        assertEquals(LADDER.audioKbps() + "k", after(withAudio, "-b:a"));
        assertEquals("0:a:0", after(withAudio, "-map"));
        assertTrue(withAudio.contains("-vn"));

        SourceInfo secondTrack = new SourceInfo(10, 1920, 1080, "h264", "aac", 25, 2, 0, "matroska,webm", 1, null, 8);
        List<String> alone = EncodeArguments.forLadder(Path.of("/in.mp4"), secondTrack, List.of(), true, LADDER,
                "veryfast", OUT);
        assertEquals("0:a:1", after(alone, "-map"), "the track the probe chose (the default one)");
        assertFalse(alone.contains("-filter_complex"), "the audio alone decodes no video");

        List<String> silent = EncodeArguments.forLadder(Path.of("/in.mp4"), SILENT, LADDER.rungsFor(720), SILENT.hasAudio(), LADDER,
                "veryfast", OUT);
        assertEquals(4, Collections.frequency(silent, "-an"), "every rung without audio");
        assertThrows(IllegalArgumentException.class, () -> EncodeArguments.forLadder(Path.of("/in.mp4"), SILENT,
                List.of(), true, LADDER, "veryfast", OUT));
        assertFalse(silent.contains("-c:a"));
        assertFalse(silent.contains("0:a:0"));
    }

    @Test
    void a_work_directory_with_colons_spaces_and_dashes_is_passed_safely() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("w:x -y"));
        List<String> a = EncodeArguments.forLadder(odd.resolve("in.mp4"), SILENT, List.of(LADDER.rungFor("240p", NTSC_WITH_AUDIO).orElseThrow()), SILENT.hasAudio(), LADDER,
                "veryfast", odd.resolve("out"));
        assertTrue(after(a, "-i").startsWith("file:/"), "a path is never read as a protocol or an option");

        MediaClips clips = new MediaClips(odd);
        Path input = clips.make(Clip.of("in", 320, 240, 2, 2));
        SourceInfo source = new Prober(clips.tools()).probe(input, () -> false);
        List<EncodedRung> e = new LadderEncoder(clips.tools()).encode(input, source, Ladder.standard(2).rungsFor(240),
                Ladder.standard(2), odd.resolve("out"), f -> { }, () -> false);
        assertTrue(Files.exists(odd.resolve("out").resolve("240p").resolve("seg_00000.m4s")),
                "segments land in the odd directory");
        assertEquals(1, e.get(0).variant().segmentCount());
    }

    @Test
    void a_work_directory_with_a_percent_sign_is_refused_before_ffmpeg_runs() {
        // ffmpeg's HLS muxer would expand it as a pattern and fail to open the segment.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncodeArguments.forLadder(
                Path.of("/in.mp4"), SILENT, LADDER.rungsFor(720), SILENT.hasAudio(), LADDER, "veryfast", Path.of("/work/50%/out")));
        assertTrue(e.getMessage().contains("'%'"), e.getMessage());
    }
}
