package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.StoryboardCues;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seek previews: the probe's storyboard has a cue for every instant of the video, each pointing at a
 * frame inside the sprite; the frames are the video's own (they change along it); a long video gets a
 * wider interval instead of an unbounded sprite; tiles fit a small box whatever the orientation.
 */
class StoryboardTest {
    @TempDir
    Path dir;

    @Test
    void cues_cover_the_whole_duration_and_point_at_distinct_frames_inside_the_sprite() throws Exception {
        MediaClips clips = new MediaClips(dir);
        // testsrc draws a running counter: frames from different times differ.
        Path input = clips.make(Clip.of("storyboard", 640, 360, 25, 0));
        SourceInfo source = new Prober(clips.tools()).probe(input, () -> false);
        Path out = Files.createDirectories(dir.resolve("out"));
        long t0 = System.nanoTime();
        Storyboard board = new StoryboardMaker(clips.tools()).make(input, source, out, () -> false);
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(2, board.intervalS(), "a short video: a frame every 2 s");
        assertEquals(13, board.tiles(), "0, 2, ... 24 s");
        assertEquals(160, board.tileWidth());
        assertEquals(90, board.tileHeight());
        BufferedImage sprite = ImageIO.read(out.resolve(Storyboard.SPRITE).toFile());
        assertEquals(10 * 160, sprite.getWidth(), "10 columns");
        assertEquals(2 * 90, sprite.getHeight(), "13 tiles: 2 rows");
        List<StoryboardCues.Cue> cues = StoryboardCues.parse(Files.readString(out.resolve(Storyboard.VTT)));
        assertEquals(13, cues.size());
        StoryboardCues.assertCoverAndFit(cues, source.durationS(), Storyboard.SPRITE, sprite.getWidth(), sprite.getHeight());
        assertNotEquals(fingerprint(sprite, cues.get(0)), fingerprint(sprite, cues.get(6)), "tile 0 and tile 6 differ");
        assertNotEquals(fingerprint(sprite, cues.get(6)), fingerprint(sprite, cues.get(12)), "tile 6 and tile 12 differ");
        System.out.printf("storyboard of a 25 s 640x360 clip: %d ms, sprite %d bytes%n", ms,
                Files.size(out.resolve(Storyboard.SPRITE)));
    }

    @Test
    void a_long_video_gets_a_wider_interval_not_more_tiles() {
        assertEquals(2, Storyboard.intervalFor(10));
        assertEquals(2, Storyboard.intervalFor(200));
        assertEquals(6, Storyboard.intervalFor(600));
        assertEquals(72, Storyboard.intervalFor(7200));
        Storyboard twoHours = new Storyboard(7200, 72, 160, 90, Storyboard.tilesFor(7200, 72));
        assertEquals(Storyboard.MAX_TILES, twoHours.tiles());
        assertEquals(1600, twoHours.spriteWidth());
        assertEquals(900, twoHours.spriteHeight());
        List<StoryboardCues.Cue> cues = StoryboardCues.parse(twoHours.vtt(Storyboard.SPRITE));
        assertEquals(Storyboard.MAX_TILES, cues.size());
        StoryboardCues.assertCoverAndFit(cues, 7200, Storyboard.SPRITE, 1600, 900);
        assertEquals(1, Storyboard.tilesFor(0.5, 2), "a half-second clip still has its one frame");
    }

    @Test
    void tiles_fit_160x90_without_upscaling_whatever_the_orientation() {
        assertEquals(new FrameSize(160, 90), Storyboard.tileSize(1920, 1080));
        assertEquals(new FrameSize(50, 90), Storyboard.tileSize(1080, 1920));
        assertEquals(new FrameSize(160, 40), Storyboard.tileSize(2560, 640));
        assertEquals(new FrameSize(100, 50), Storyboard.tileSize(100, 50));
    }

    @Test
    void the_stored_vtt_names_the_sprite_relatively_and_rebase_points_it_at_a_session_url() {
        Storyboard board = new Storyboard(5, 2, 160, 90, 3);
        String stored = board.vtt(Storyboard.SPRITE);
        String served = Storyboard.rebase(stored, "/s/abc/" + "f".repeat(64) + "/storyboard.jpg");
        List<StoryboardCues.Cue> cues = StoryboardCues.parse(served);
        assertTrue(cues.stream().allMatch(c -> c.sprite().equals("/s/abc/" + "f".repeat(64) + "/storyboard.jpg")), served);
        assertEquals(stored.replace(Storyboard.SPRITE + "#", "X#"), served.replace("/s/abc/" + "f".repeat(64) + "/storyboard.jpg#", "X#"),
                "only the sprite references change");
        assertEquals("videos/v/g1/probe/a1/storyboard.vtt",
                Storyboard.besidePoster("videos/v/g1/probe/a1/poster.jpg", Storyboard.VTT));
        assertEquals("00:01:05.250", Storyboard.timestamp(65.25));
        assertEquals("02:00:00.000", Storyboard.timestamp(7200));
    }

    private static long fingerprint(BufferedImage sprite, StoryboardCues.Cue c) {
        long sum = 0;
        for (int y = c.y(); y < c.y() + c.h(); y += 3) {
            for (int x = c.x(); x < c.x() + c.w(); x += 3) {
                sum = sum * 31 + (sprite.getRGB(x, y) & 0xF0F0F0);
            }
        }
        return sum;
    }
}
