package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probing real files: what is a video and what it looks like, and what is refused as INVALID_MEDIA. */
class ProberTest {
    @TempDir
    static Path dir;
    static MediaClips clips;
    static Prober prober;

    @BeforeAll
    static void setUp() {
        clips = new MediaClips(dir);
        prober = new Prober(clips.tools());
    }

    private static SourceInfo probe(Path p) throws Exception {
        return prober.probe(p, () -> false);
    }

    @Test
    void a_landscape_mp4_with_stereo_audio_is_described_fully() throws Exception {
        SourceInfo s = probe(clips.make(Clip.of("landscape", 640, 360, 2, 2)));
        assertEquals(640, s.width());
        assertEquals(360, s.height());
        assertEquals(2.0, s.durationS(), 0.1);
        assertEquals(30.0, s.frameRate(), 0.01);
        assertEquals("h264", s.videoCodec());
        assertEquals("aac", s.audioCodec());
        assertEquals(2, s.audioChannels());
        assertEquals(0, s.rotation());
        assertTrue(s.container().contains("mp4"), s.container());
    }

    @Test
    void a_rotated_video_is_described_as_displayed() throws Exception {
        SourceInfo s = probe(clips.make(Clip.of("rotated", 640, 360, 2, 2).rotated(90)));
        assertEquals(360, s.width());
        assertEquals(640, s.height());
        assertEquals(270, s.rotation()); // display matrix +90 counter-clockwise = 270 clockwise
    }

    @Test
    void webm_vp9_opus_and_surround_and_silent_videos_are_videos() throws Exception {
        SourceInfo webm = probe(clips.make(Clip.of("webm", 320, 240, 2, 2).webm()));
        assertEquals("vp9", webm.videoCodec());
        assertEquals("opus", webm.audioCodec());
        assertEquals(6, probe(clips.make(Clip.of("surround", 320, 240, 2, 6))).audioChannels());
        SourceInfo silent = probe(clips.make(Clip.of("silent", 320, 240, 2, 0)));
        assertNull(silent.audioCodec());
        assertEquals(0, silent.audioChannels());
    }

    @Test
    void a_truncated_mp4_is_invalid_media() throws Exception {
        Path p = clips.truncatedMp4();
        InvalidMediaException e = assertThrows(InvalidMediaException.class, () -> probe(p));
        assertTrue(e.getMessage().length() > 10, e.getMessage());
    }

    @Test
    void a_truncated_faststart_mp4_that_probes_fine_is_caught_by_decoding() throws Exception {
        Path p = clips.truncatedFaststartMp4();
        InvalidMediaException e = assertThrows(InvalidMediaException.class, () -> probe(p));
        assertTrue(e.getMessage().contains("no video frame decodes at"), e.getMessage());
    }

    @Test
    void random_bytes_behind_an_mp4_header_are_invalid_media() throws Exception {
        Path p = clips.randomBytesWithMp4Header();
        assertThrows(InvalidMediaException.class, () -> probe(p));
    }

    @Test
    void a_text_file_and_an_audio_only_file_are_invalid_media() throws Exception {
        Path text = clips.textFile();
        assertThrows(InvalidMediaException.class, () -> probe(text));
        Path audio = clips.audioOnly();
        InvalidMediaException e = assertThrows(InvalidMediaException.class, () -> probe(audio));
        assertTrue(e.getMessage().contains("no video stream"), e.getMessage());
    }
}
