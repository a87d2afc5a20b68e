package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.MediaTools;
import io.vidforge.media.ProcessResult;
import io.vidforge.media.Storyboard;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.TaskKind;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.MediaS3;
import io.vidforge.testing.MediaTaskContext;
import io.vidforge.testing.StoryboardCues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROBE against a real S3: the source described, the poster and storyboard stored, broken uploads refused
 * for good, and a storyboard that cannot be made never failing the probe.
 */
class ProbeHandlerTest {
    @TempDir
    static Path dir;
    static MediaS3 s3;
    static ObjectStore store;
    static MediaClips clips;
    static ProbeHandler handler;

    @BeforeAll
    static void start() throws Exception {
        s3 = MediaS3.start(dir.resolve("s3"));
        store = s3.store();
        clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
        handler = new ProbeHandler(store, Settings.of(Map.of("SEGMENT_SECONDS", "2")));
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private MediaTaskContext contextFor(String videoId, Path upload) throws Exception {
        String rawKey = "raw/" + videoId;
        store.putFile(rawKey, upload, "application/octet-stream");
        return MediaTaskContext.of(MediaTaskContext.task(1, videoId, TaskKind.PROBE, "", 1, 2),
                MediaTaskContext.video(videoId, rawKey, upload.getFileName().toString(), null),
                Files.createDirectories(dir.resolve("work-" + videoId)));
    }

    @Test
    void probe_describes_the_source_and_stores_a_jpeg_poster_under_the_attempt_prefix() throws Exception {
        MediaTaskContext ctx = contextFor("rotated", clips.make(Clip.of("phone", 640, 360, 3, 2).rotated(90)));
        ProbeResult result = Json.read(handler.handle(ctx), ProbeResult.class);

        assertEquals(360, result.source().width());
        assertEquals(640, result.source().height());
        assertEquals(3.0, result.source().durationS(), 0.05);
        assertEquals("aac", result.source().audioCodec());
        assertEquals(ctx.outputPrefix() + "poster.jpg", result.posterKey());
        byte[] jpeg = store.getBytes(result.posterKey());
        assertTrue(jpeg.length > 1000 && (jpeg[0] & 0xff) == 0xff && (jpeg[1] & 0xff) == 0xd8, "a JPEG");
        // The storyboard beside it: cues over the whole (displayed, upright) clip into a portrait-tile sprite.
        String vtt = new String(store.getBytes(Storyboard.besidePoster(result.posterKey(), Storyboard.VTT)),
                java.nio.charset.StandardCharsets.UTF_8);
        java.awt.image.BufferedImage sprite = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                store.getBytes(Storyboard.besidePoster(result.posterKey(), Storyboard.SPRITE))));
        assertEquals(2 * 50, sprite.getWidth(), "two 50x90 portrait tiles");
        assertEquals(90, sprite.getHeight());
        StoryboardCues.assertCoverAndFit(StoryboardCues.parse(vtt), result.source().durationS(), Storyboard.SPRITE,
                sprite.getWidth(), sprite.getHeight());
        assertEquals(1.0, ctx.progressReports().get(ctx.progressReports().size() - 1));
        assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void a_storyboard_that_cannot_be_made_leaves_the_probe_and_its_poster_intact() throws Exception {
        MediaTools real = MediaTools.from(Settings.of(Map.of("SEGMENT_SECONDS", "2")));
        // ffmpeg failing on the storyboard's command alone (key frames only), as on a source it cannot seek.
        MediaTools failing = new MediaTools(real.binaries(), (command, control) -> command.contains("nokey")
                ? new ProcessResult(1, "", "storyboard: simulated failure", Duration.ZERO) : real.run(command, control),
                real.settings());
        MediaTaskContext ctx = contextFor("no-storyboard", clips.make(Clip.of("plain", 320, 240, 2, 0)));
        ProbeResult result = Json.read(new ProbeHandler(store, failing).handle(ctx), ProbeResult.class);

        assertTrue(store.exists(result.posterKey()), "the poster is there");
        assertFalse(store.exists(Storyboard.besidePoster(result.posterKey(), Storyboard.VTT)), "no storyboard VTT");
        assertFalse(store.exists(Storyboard.besidePoster(result.posterKey(), Storyboard.SPRITE)), "no sprite");
        assertEquals(1.0, ctx.progressReports().get(ctx.progressReports().size() - 1));
        assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void a_truncated_mp4_fails_permanently_as_invalid_media() throws Exception {
        MediaTaskContext ctx = contextFor("truncated", clips.truncatedMp4());
        PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> handler.handle(ctx));
        assertEquals("INVALID_MEDIA", e.code());
        assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void random_bytes_with_an_mp4_header_fail_permanently_as_invalid_media() throws Exception {
        MediaTaskContext ctx = contextFor("random", clips.randomBytesWithMp4Header());
        PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> handler.handle(ctx));
        assertEquals("INVALID_MEDIA", e.code());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty(), "nothing written for an invalid upload");
    }

    @Test
    void a_text_file_fails_permanently_as_invalid_media_with_a_readable_message() throws Exception {
        MediaTaskContext ctx = contextFor("text", clips.textFile());
        PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> handler.handle(ctx));
        assertEquals("INVALID_MEDIA", e.code());
        assertTrue(e.getMessage().startsWith("not a readable media file"), e.getMessage());
        assertLeavesNoLocalFiles(ctx);
    }

    static void assertLeavesNoLocalFiles(MediaTaskContext ctx) throws Exception {
        try (Stream<Path> files = Files.list(ctx.workDir())) {
            assertEquals(0, files.count(), "the handler deleted its files in " + ctx.workDir());
        }
    }
}
