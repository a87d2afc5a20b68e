package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.HlsAuthoringRules;
import io.vidforge.media.Ladder;
import io.vidforge.media.MediaTools;
import io.vidforge.media.ProcessResult;
import io.vidforge.media.Rung;
import io.vidforge.media.RunControl;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.PublishResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.MediaS3;
import io.vidforge.testing.MediaTaskContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three handlers as the worker chains them, against a real S3: probe, every planned rung (one
 * whole-ladder task, or one task per rung), publish; what is stored must be a master that follows the
 * authoring rules and that ffmpeg plays.
 */
class MediaPipelineHandlerTest {
    static final Settings SETTINGS = Settings.of(Map.of("SEGMENT_SECONDS", "2"));

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TranscodeSplit.class, names = {"LADDER", "RUNG"}) // CHUNK: ChunkedPipelineTest
    void probe_then_every_rung_then_publish_stores_a_master_that_ffmpeg_plays(TranscodeSplit split) throws Exception {
        try (MediaS3 s3 = MediaS3.start(dir.resolve("s3"))) {
            MediaClips clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
            Path clip = clips.make(Clip.of("sd", 854, 480, 3, 2));
            String videoId = "e2e";
            s3.store().putFile("raw/" + videoId, clip, "video/mp4");

            Task probeTask = MediaTaskContext.task(1, videoId, TaskKind.PROBE, "", 1, 1);
            String probeJson = new ProbeHandler(s3.store(), SETTINGS).handle(context(probeTask, null));
            SourceInfo source = Json.read(probeJson, ProbeResult.class).source();
            List<Task> done = new ArrayList<>(List.of(MediaTaskContext.done(probeTask, probeJson)));

            TranscodeHandler transcoder = new TranscodeHandler(s3.store(), SETTINGS);
            long id = 2;
            List<String> transcodes = split == TranscodeSplit.LADDER ? List.of(TranscodeSplit.WHOLE_LADDER)
                    : java.util.stream.Stream.concat(Ladder.standard(2).rungsFor(source).stream().map(Rung::name),
                            java.util.stream.Stream.of(Variant.AUDIO)).toList();
            for (String variant : transcodes) {
                Task t = MediaTaskContext.task(id++, videoId, TaskKind.TRANSCODE, variant, 1, id);
                done.add(MediaTaskContext.done(t, transcoder.handle(context(t, source))));
            }
            Task publishTask = MediaTaskContext.task(id, videoId, TaskKind.PUBLISH, "", 1, id + 1);
            PublishResult published = Json.read(new PublishHandler(s3.store(), SETTINGS)
                    .handle(context(publishTask, source).withSiblings(done)), PublishResult.class);

            assertEquals(List.of("480p", "360p", "240p", Variant.AUDIO),
                    published.variants().stream().map(Variant::name).toList(), "video rungs, then the shared audio");
            assertTrue(s3.store().exists(published.posterKey()));
            Path local = dir.resolve("mirror");
            s3.downloadTree("videos/" + videoId + "/", local);
            Path master = local.resolve(published.masterKey());
            HlsAuthoringRules.assertSatisfied(Files.readString(master), uri -> read(master.getParent().resolve(uri)),
                    true, source.height());
            MediaTools tools = clips.tools();
            ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", master.toString(), "-map", "0",
                    "-f", "null", "-")), RunControl.capturing(Duration.ofSeconds(120)));
            assertEquals(0, r.exitCode(), r.stderrTail());
            assertEquals("", r.stderrTail());
        }
    }

    private MediaTaskContext context(Task t, SourceInfo source) throws Exception {
        return MediaTaskContext.of(t, MediaTaskContext.video(t.videoId(), "raw/" + t.videoId(), "sd.mp4", source),
                Files.createDirectories(dir.resolve("work-" + t.taskId())));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
