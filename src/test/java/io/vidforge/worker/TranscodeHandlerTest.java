package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.ProcessAbortedException;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.MediaS3;
import io.vidforge.testing.MediaTaskContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TRANSCODE against a real S3: a whole-ladder task (variant "", the default plan) stores every rung in its
 * own folder under the attempt's prefix, a per-rung task its one rung at the prefix; cancellation, bad
 * rungs, invalid media.
 */
class TranscodeHandlerTest {
    static final Settings SETTINGS = Settings.of(Map.of("SEGMENT_SECONDS", "2"));

    @TempDir
    static Path dir;
    static MediaS3 s3;
    static ObjectStore store;
    static MediaClips clips;
    static TranscodeHandler handler;

    @BeforeAll
    static void start() throws Exception {
        s3 = MediaS3.start(dir.resolve("s3"));
        store = s3.store();
        clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
        handler = new TranscodeHandler(store, SETTINGS);
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    /** Uploads the clip and probes it through the PROBE handler, as the worker would before transcoding. */
    static SourceInfo upload(String videoId, Path clip) throws Exception {
        store.putFile("raw/" + videoId, clip, "application/octet-stream");
        MediaTaskContext probe = MediaTaskContext.of(MediaTaskContext.task(1, videoId, TaskKind.PROBE, "", 1, 1),
                MediaTaskContext.video(videoId, "raw/" + videoId, clip.getFileName().toString(), null),
                Files.createDirectories(dir.resolve("work-probe-" + videoId)));
        return Json.read(new ProbeHandler(store, SETTINGS).handle(probe), ProbeResult.class).source();
    }

    static MediaTaskContext transcode(String videoId, SourceInfo source, String rung, int attempt, long version)
            throws Exception {
        return MediaTaskContext.of(MediaTaskContext.task(10 + attempt, videoId, TaskKind.TRANSCODE, rung, attempt, version),
                MediaTaskContext.video(videoId, "raw/" + videoId, "clip.mp4", source),
                Files.createDirectories(dir.resolve("work-" + videoId + "-" + rung + "-" + attempt)));
    }

    static Variant only(String resultJson) {
        List<Variant> variants = TranscodeResult.read(resultJson).variants();
        assertEquals(1, variants.size(), variants.toString());
        return variants.get(0);
    }

    static List<String> storedNames(String prefix) {
        return store.list(prefix).stream().map(k -> k.substring(prefix.length())).sorted().toList();
    }

    @Test
    void a_whole_ladder_transcode_stores_every_rung_in_its_own_folder_under_its_attempt_prefix() throws Exception {
        SourceInfo source = upload("ladder", clips.make(Clip.of("ladder", 640, 360, 3, 2)));
        MediaTaskContext ctx = transcode("ladder", source, TranscodeSplit.WHOLE_LADDER, 2, 7);
        List<Variant> variants = TranscodeResult.read(handler.handle(ctx)).variants();

        assertEquals("videos/ladder/g1/transcode/a2-v7/", ctx.outputPrefix());
        assertEquals(List.of("360p", "240p", Variant.AUDIO), variants.stream().map(Variant::name).toList());
        assertEquals(List.of("640x360", "426x240", "0x0"), variants.stream().map(Variant::resolution).toList());
        assertTrue(variants.get(2).isAudio(), "one audio rendition for every rung");
        for (Variant v : variants) {
            assertEquals(ctx.outputPrefix() + v.name() + "/", v.prefix());
            assertEquals(2, v.segmentCount());
            assertEquals(List.of("index.m3u8", "init.mp4", "seg_00000.m4s", "seg_00001.m4s"), storedNames(v.prefix()));
        }
        assertEquals("avc1.4d401e", variants.get(0).codecs(), "video-only variants");
        assertEquals("avc1.42c01e", variants.get(1).codecs());
        assertEquals("mp4a.40.2", variants.get(2).codecs());
        assertEquals(12, store.list(ctx.outputPrefix()).size(), "nothing else under the attempt's prefix");
        assertProgressCoversTheEncode(ctx);
        ProbeHandlerTest.assertLeavesNoLocalFiles(ctx);
    }

    /** Forward only; ffmpeg's own progress reports in between (0.05 to 0.9); ends at 1. */
    static void assertProgressCoversTheEncode(MediaTaskContext ctx) {
        List<Double> progress = ctx.progressReports();
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i) >= progress.get(i - 1), "progress never goes back: " + progress);
        }
        assertTrue(progress.stream().anyMatch(p -> p > 0.05 && p <= 0.9 + 1e-9), "ffmpeg's progress: " + progress);
        assertEquals(1.0, progress.get(progress.size() - 1));
    }

    @Test
    void a_transcode_stores_init_segments_and_playlist_under_its_attempt_prefix() throws Exception {
        SourceInfo source = upload("basic", clips.make(Clip.of("basic", 640, 360, 3, 2)));
        MediaTaskContext ctx = transcode("basic", source, "240p", 1, 4);
        Variant v = only(handler.handle(ctx));

        assertEquals("videos/basic/g1/transcode-240p/a1-v4/", ctx.outputPrefix());
        assertEquals(ctx.outputPrefix(), v.prefix());
        assertEquals("240p", v.name());
        assertEquals("426x240", v.resolution());
        assertEquals("avc1.42c01e", v.codecs(), "a rung alone is video-only: the audio is a task of its own");
        assertEquals(2, v.segmentCount());
        assertEquals(List.of("index.m3u8", "init.mp4", "seg_00000.m4s", "seg_00001.m4s"), storedNames(ctx.outputPrefix()));
        assertProgressCoversTheEncode(ctx);
        ProbeHandlerTest.assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void a_cancelled_whole_ladder_transcode_stops_ffmpeg_stores_nothing_and_leaves_no_local_files() throws Exception {
        SourceInfo source = upload("cancel", clips.make(Clip.of("long", 1280, 720, 6, 2)));
        AtomicReference<MediaTaskContext> holder = new AtomicReference<>();
        // The lease is lost once the encode is under way (past the 5% that the download accounts for).
        MediaTaskContext ctx = transcode("cancel", source, TranscodeSplit.WHOLE_LADDER, 1, 1)
                .cancelledWhen(() -> holder.get().progressReports().stream().anyMatch(p -> p > 0.06));
        holder.set(ctx);

        ProcessAbortedException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(ProcessAbortedException.class, () -> handler.handle(ctx)));
        assertEquals(ProcessAbortedException.Reason.CANCELLED, e.reason());
        assertEquals(List.of(), store.list(ctx.outputPrefix()), "nothing stored for a cancelled attempt");
        // This attempt's ffmpeg only (its arguments name the attempt's work directory): cluster tests in the
        // suite's second lane run in this JVM too, and their nodes' ffmpeg processes are descendants of it.
        String workDir = ctx.workDir().toString();
        assertTrue(ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("ffmpeg"))
                .noneMatch(p -> p.info().commandLine().map(c -> c.contains(workDir)).orElse(true)), "ffmpeg was stopped");
        ProbeHandlerTest.assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void a_rung_the_ladder_does_not_plan_for_the_source_fails_permanently() throws Exception {
        SourceInfo source = upload("small", clips.make(Clip.of("small", 320, 240, 2, 0)));
        MediaTaskContext ctx = transcode("small", source, "720p", 1, 1);
        PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> handler.handle(ctx));
        assertEquals("UNKNOWN_VARIANT", e.code());
        ProbeHandlerTest.assertLeavesNoLocalFiles(ctx);
    }

    @Test
    void a_transcode_without_a_committed_probe_probes_the_source_itself() throws Exception {
        upload("unprobed", clips.make(Clip.of("unprobed", 320, 240, 2, 0)));
        MediaTaskContext ctx = transcode("unprobed", null, TranscodeSplit.WHOLE_LADDER, 1, 1);
        Variant v = only(handler.handle(ctx));
        assertEquals("240p", v.name());
        assertEquals("avc1.42c01e", v.codecs(), "no audio track for a silent source");
    }

    @Test
    void a_whole_ladder_transcode_of_an_upload_that_is_not_media_fails_permanently_as_invalid_media() throws Exception {
        store.putFile("raw/junk", clips.randomBytesWithMp4Header(), "application/octet-stream");
        MediaTaskContext ctx = transcode("junk", null, TranscodeSplit.WHOLE_LADDER, 1, 1);
        PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> handler.handle(ctx));
        assertEquals("INVALID_MEDIA", e.code());
        assertEquals(List.of(), store.list(ctx.outputPrefix()));
        ProbeHandlerTest.assertLeavesNoLocalFiles(ctx);
    }
}
