package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import io.vidforge.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TRANSCODE_SPLIT: the plan's shape in each mode, and that the whole-ladder task ({@code ladder}) keeps the
 * guarantees the per-rung tasks had: a failed or abandoned attempt is retried, outputs stay under the
 * attempt's prefix, and only the fenced completion of the retry is published, once.
 */
@Tag("db")
class TranscodeSplitTest {
    private static final List<String> RUNGS_OF_720P = List.of("720p", "480p", "360p", "240p", Variant.AUDIO);

    private ManualCluster cluster;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<Task> plan(String videoId) {
        return cluster.tasks(videoId, 1);
    }

    /** The attempt-scoped prefix the worker gave the given attempt of the video's TRANSCODE. */
    private String transcodePrefix(int attempt) {
        return cluster.media.executions.stream().filter(e -> e.kind() == TaskKind.TRANSCODE && e.attempt() == attempt)
                .findFirst().orElseThrow().prefix();
    }

    private static List<String> shape(List<Task> plan) {
        return plan.stream().map(t -> t.kind() + ":" + t.variant() + ":" + t.state()).toList();
    }

    @Test
    void the_default_plan_is_probe_then_the_audio_and_the_video_chunks_then_publish() {
        cluster = new ManualCluster("split-default", Map.of());
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());

        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE: a 10 s source, shorter than the default 30 s chunk
        orchestrator.runOnce();          // fan-out
        assertEquals(List.of("PROBE::DONE", "AUDIO:audio:READY", "VIDEO_CHUNK:c0000-0s-end:READY",
                "PUBLISH::WAITING"), shape(plan(videoId)));

        ManualCluster.runUntilQuiet(orchestrator, worker);
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, video.status());
        assertEquals(RUNGS_OF_720P, video.variants().stream().map(Variant::name).toList());
        assertEquals(0, cluster.media.executions.stream().filter(e -> e.kind() == TaskKind.TRANSCODE).count());
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get());
    }

    @Test
    void the_ladder_split_plans_probe_then_one_whole_ladder_transcode_then_publish() {
        cluster = new ManualCluster("split-ladder", Map.of("TRANSCODE_SPLIT", "ladder"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());

        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        orchestrator.runOnce();          // fan-out
        assertEquals(List.of("PROBE::DONE", "TRANSCODE::READY", "PUBLISH::WAITING"), shape(plan(videoId)));

        ManualCluster.runUntilQuiet(orchestrator, worker);
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, video.status());
        assertEquals(RUNGS_OF_720P, video.variants().stream().map(Variant::name).toList());
        String attemptPrefix = transcodePrefix(1);
        assertTrue(attemptPrefix.startsWith("videos/" + videoId + "/g1/transcode/a1-v"), attemptPrefix);
        for (Variant v : video.variants()) {
            assertEquals(attemptPrefix + v.name() + "/", v.prefix(), "each rung in its folder under the attempt's prefix");
        }
        assertEquals(1, cluster.media.executions.stream().filter(e -> e.kind() == TaskKind.TRANSCODE).count());
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get());
    }

    @Test
    void the_rung_split_plans_one_transcode_per_rung_for_the_probed_height_and_one_for_the_audio() {
        cluster = new ManualCluster("split-rung", Map.of("TRANSCODE_SPLIT", "rung"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());

        orchestrator.runOnce();
        ManualCluster.workOff(worker);
        orchestrator.runOnce();
        assertEquals(List.of("PROBE::DONE", "TRANSCODE:720p:READY", "TRANSCODE:480p:READY", "TRANSCODE:360p:READY",
                "TRANSCODE:240p:READY", "TRANSCODE:audio:READY", "PUBLISH::WAITING"), shape(plan(videoId)));

        ManualCluster.runUntilQuiet(orchestrator, worker);
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, video.status());
        for (Variant v : video.variants()) {
            assertTrue(v.prefix().contains("/transcode-" + v.name() + "/a1-"), v.prefix());
        }
    }

    @Test
    void a_failed_whole_ladder_attempt_is_retried_and_only_the_retry_is_published_once() {
        cluster = new ManualCluster("split-retry", Map.of("TRANSCODE_SPLIT", "ladder"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == TaskKind.TRANSCODE && ctx.task().attempt() == 1) {
                ctx.progress(0.6);
                throw new IllegalStateException("ffmpeg encoding [720p, 480p, 360p, 240p] failed (exit 1)");
            }
        };
        orchestrator.runOnce();
        ManualCluster.workOff(worker);
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // attempt 1 fails

        Task failed = cluster.task(videoId, TaskKind.TRANSCODE, TranscodeSplit.WHOLE_LADDER);
        assertEquals(TaskState.READY, failed.state(), "retryable: back to READY after a backoff");
        assertEquals(1, failed.attempt());
        assertTrue(failed.lastError().contains("ffmpeg encoding"), failed.lastError());
        cluster.clock.advance(Duration.ofSeconds(2));
        ManualCluster.runUntilQuiet(orchestrator, worker);

        Task done = cluster.task(videoId, TaskKind.TRANSCODE, TranscodeSplit.WHOLE_LADDER);
        assertEquals(TaskState.DONE, done.state());
        assertEquals(2, done.attempt());
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, video.status());
        String retryPrefix = transcodePrefix(2);
        assertTrue(retryPrefix.startsWith("videos/" + videoId + "/g1/transcode/a2-v"), retryPrefix);
        for (Variant v : video.variants()) {
            assertEquals(retryPrefix + v.name() + "/", v.prefix(), "published from the retry's prefix");
        }
        assertEquals(1, cluster.events("TASK_RETRY", videoId).size());
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get(), "one publish");
        cluster.assertOneStateChange(videoId, "ready");
    }

    @Test
    void a_whole_ladder_attempt_that_lost_its_lease_is_rejected_and_never_published() throws Exception {
        cluster = new ManualCluster("split-zombie", Map.of("TRANSCODE_SPLIT", "ladder"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker zombie = cluster.worker("worker-1");
        Worker healthy = cluster.worker("worker-2");
        String videoId = TestVideos.insert(cluster.platform());
        CountDownLatch started = new CountDownLatch(1);
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == TaskKind.TRANSCODE && ctx.task().attempt() == 1) {
                started.countDown();
                release.await();   // a worker paused mid-encode
            }
        };
        orchestrator.runOnce();
        ManualCluster.workOff(healthy);  // PROBE
        orchestrator.runOnce();          // fan-out
        assertEquals(1, zombie.pollOnce());
        assertTrue(started.await(10, TimeUnit.SECONDS));

        cluster.clock.advance(Duration.ofSeconds(31));
        orchestrator.runOnce();          // the zombie's lease expired: back to READY
        cluster.clock.advance(Duration.ofSeconds(2));
        ManualCluster.runUntilQuiet(orchestrator, healthy);
        Video published = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, published.status());

        release.countDown();             // the zombie finishes its encode and reports it
        ManualCluster.awaitIdle(zombie);
        List<JsonNode> rejected = cluster.events("STALE_COMPLETION_REJECTED", videoId);
        assertEquals(1, rejected.size());
        assertEquals("TRANSCODE", rejected.get(0).get("kind").asText());
        assertEquals(published, cluster.platform().videos().find(videoId).orElseThrow(), "the zombie changed nothing");
        String zombiePrefix = transcodePrefix(1);
        for (Variant v : published.variants()) {
            assertEquals(transcodePrefix(2) + v.name() + "/", v.prefix(), "not the zombie's " + zombiePrefix);
        }
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get());
    }

    @Test
    void a_fan_out_begun_per_rung_is_finished_per_rung_by_a_leader_set_to_the_whole_ladder() {
        // A rung-split leader crashed after inserting its first TRANSCODE; the new leader is set to the whole ladder.
        cluster = new ManualCluster("split-resume", Map.of("TRANSCODE_SPLIT", "ladder"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        TaskRepository tasks = new TaskRepository(cluster.platform().sql());
        cluster.platform().sql().inTransaction(c -> tasks.insert(c, videoId, 1, TaskKind.TRANSCODE, "720p",
                TaskState.READY, 3, cluster.clock.instant()));

        orchestrator.runOnce();
        assertEquals(List.of("PROBE::DONE", "TRANSCODE:720p:READY", "TRANSCODE:480p:READY", "TRANSCODE:360p:READY",
                "TRANSCODE:240p:READY", "TRANSCODE:audio:READY", "PUBLISH::WAITING"), shape(plan(videoId)), "no whole-ladder task beside them");
        ManualCluster.runUntilQuiet(orchestrator, worker);
        assertEquals(RUNGS_OF_720P, cluster.platform().videos().find(videoId).orElseThrow().variants().stream()
                .map(Variant::name).toList());
    }

    @Test
    void an_unknown_split_is_refused_with_a_message_naming_the_setting_and_its_values() {
        assertEquals(TranscodeSplit.LADDER, TranscodeSplit.parse(" Ladder "));
        assertEquals(TranscodeSplit.RUNG, TranscodeSplit.parse("rung"));
        assertEquals(TranscodeSplit.CHUNK, TranscodeSplit.parse("CHUNK"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TranscodeSplit.parse("chunks"));
        assertEquals("TRANSCODE_SPLIT must be 'ladder', 'rung' or 'chunk', was 'chunks'", e.getMessage());
    }

    private static final List<String> CHUNK_PLAN_OF_10S = List.of("PROBE::DONE", "AUDIO:audio:READY",
            "VIDEO_CHUNK:c0000-0s-4s:READY", "VIDEO_CHUNK:c0001-4s-end:READY", "PUBLISH::WAITING");

    @Test
    void the_chunk_split_plans_the_audio_and_one_chunk_per_range_each_logged_with_its_range_and_publishes_once() {
        cluster = new ManualCluster("split-chunk", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "4"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());

        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE: a 10 s source
        orchestrator.runOnce();          // fan-out: 2 s segments, 4 s chunks, the 6 s tail in the last
        assertEquals(CHUNK_PLAN_OF_10S, shape(plan(videoId)));
        List<JsonNode> created = cluster.events("TASK_CREATED", videoId).stream()
                .filter(e -> e.path("kind").asText().equals("VIDEO_CHUNK")).toList();
        assertEquals(2, created.size());
        assertEquals(List.of(0, 1), created.stream().map(e -> e.path("chunk").asInt()).toList());
        assertEquals(List.of(0.0, 4.0), created.stream().map(e -> e.path("range_start_s").asDouble()).toList());
        assertEquals(List.of(4.0, 10.0), created.stream().map(e -> e.path("range_end_s").asDouble()).toList());

        ManualCluster.runUntilQuiet(orchestrator, worker);
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, video.status());
        assertEquals(RUNGS_OF_720P, video.variants().stream().map(Variant::name).toList());
        String publishPrefix = cluster.media.executions.stream().filter(e -> e.kind() == TaskKind.PUBLISH)
                .findFirst().orElseThrow().prefix();
        for (Variant v : video.variants()) {
            assertTrue(v.isAudio() ? v.prefix().contains("/audio-audio/a1-") : v.prefix().equals(publishPrefix + v.name() + "/"),
                    v.prefix());
        }
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get());
    }

    @Test
    void a_failed_chunk_is_retried_alone_publish_waits_for_it_and_the_video_is_published_once() {
        cluster = new ManualCluster("split-chunk-retry", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "4"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = ctx -> {
            if (ctx.task().variant().equals("c0001-4s-end") && ctx.task().attempt() == 1) {
                ctx.progress(0.5);
                throw new IllegalStateException("ffmpeg encoding chunk 4-end s failed (exit 1)");
            }
        };
        orchestrator.runOnce();
        ManualCluster.workOff(worker);
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // the audio and chunk 0 done, chunk 1 fails once
        orchestrator.runOnce();
        assertEquals(List.of("PROBE::DONE", "AUDIO:audio:DONE", "VIDEO_CHUNK:c0000-0s-4s:DONE",
                "VIDEO_CHUNK:c0001-4s-end:READY", "PUBLISH::WAITING"), shape(plan(videoId)), "publish waits for every chunk");

        cluster.clock.advance(Duration.ofSeconds(2));
        ManualCluster.runUntilQuiet(orchestrator, worker);
        assertEquals(VideoStatus.READY, cluster.platform().videos().find(videoId).orElseThrow().status());
        assertEquals(2, cluster.task(videoId, TaskKind.VIDEO_CHUNK, "c0001-4s-end").attempt());
        assertEquals(1, cluster.task(videoId, TaskKind.VIDEO_CHUNK, "c0000-0s-4s").attempt(), "the other chunk ran once");
        assertEquals(1, cluster.task(videoId, TaskKind.AUDIO, Variant.AUDIO).attempt());
        assertEquals(1, cluster.media.executions.stream().filter(e -> e.variant().equals("c0000-0s-4s")).count());
        assertEquals(1, cluster.events("TASK_RETRY", videoId).size());
        assertEquals(1, cluster.media.publishesPerVideo.get(videoId).get(), "one publish");
        cluster.assertOneStateChange(videoId, "ready");
    }

    @Test
    void a_fan_out_begun_in_chunks_keeps_its_chunk_length_whatever_the_new_leaders_settings() {
        // A chunk-split leader with CHUNK_SECONDS=6 crashed after its first chunk; the new leader says ladder, 4 s.
        cluster = new ManualCluster("split-chunk-resume", Map.of("CHUNK_SECONDS", "4"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        TaskRepository tasks = new TaskRepository(cluster.platform().sql());
        cluster.platform().sql().inTransaction(c -> tasks.insert(c, videoId, 1, TaskKind.VIDEO_CHUNK, "c0000-0s-6s",
                TaskState.READY, 3, cluster.clock.instant()));

        orchestrator.runOnce();
        assertEquals(List.of("PROBE::DONE", "VIDEO_CHUNK:c0000-0s-6s:READY", "AUDIO:audio:READY",
                "VIDEO_CHUNK:c0001-6s-end:READY", "PUBLISH::WAITING"), shape(plan(videoId)));
        ManualCluster.runUntilQuiet(orchestrator, worker);
        assertEquals(VideoStatus.READY, cluster.platform().videos().find(videoId).orElseThrow().status());
    }

    @Test
    void a_single_chunk_fan_out_begun_by_a_crashed_leader_stays_a_single_chunk() {
        cluster = new ManualCluster("split-chunk-one", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "2"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        TaskRepository tasks = new TaskRepository(cluster.platform().sql());
        cluster.platform().sql().inTransaction(c -> tasks.insert(c, videoId, 1, TaskKind.VIDEO_CHUNK, "c0000-0s-end",
                TaskState.READY, 3, cluster.clock.instant()));
        orchestrator.runOnce();
        assertEquals(List.of("PROBE::DONE", "VIDEO_CHUNK:c0000-0s-end:READY", "AUDIO:audio:READY", "PUBLISH::WAITING"),
                shape(plan(videoId)));
    }

    @Test
    void a_pass_that_fans_out_in_chunks_or_resumes_such_a_fan_out_reports_its_change_so_the_loop_passes_again_at_once() {
        // A fresh fan-out: the audio, two chunks and the publish.
        cluster = new ManualCluster("split-chunk-changed", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "4"));
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String fresh = TestVideos.insert(cluster.platform());
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        assertTrue(orchestrator.runOnce(), "the fan-out pass created tasks");
        assertEquals(CHUNK_PLAN_OF_10S, shape(plan(fresh)));
        assertFalse(orchestrator.runOnce(), "nothing to do until an encode is done: no change");
        cluster.close();

        // A fan-out a crashed leader began with the only chunk, the last one: this pass adds only the audio
        // and the publish, and must still say it changed something.
        cluster = new ManualCluster("split-chunk-changed-resumed", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "2"));
        orchestrator = cluster.orchestrator("orch-1");
        worker = cluster.worker("worker-1");
        String resumed = TestVideos.insert(cluster.platform());
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        TaskRepository tasks = new TaskRepository(cluster.platform().sql());
        cluster.platform().sql().inTransaction(c -> tasks.insert(c, resumed, 1, TaskKind.VIDEO_CHUNK, "c0000-0s-end",
                TaskState.READY, 3, cluster.clock.instant()));
        assertTrue(orchestrator.runOnce(), "the resuming pass created the audio and the publish");
        assertEquals(List.of("PROBE::DONE", "VIDEO_CHUNK:c0000-0s-end:READY", "AUDIO:audio:READY", "PUBLISH::WAITING"),
                shape(plan(resumed)));
    }

    @Test
    void a_chunk_length_that_is_not_whole_segments_is_refused_at_start_naming_the_setting() {
        cluster = new ManualCluster("split-chunk-bad", Map.of("TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "5"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cluster.orchestrator("orch-1"));
        assertTrue(String.valueOf(e.getMessage()).contains("CHUNK_SECONDS must be a positive multiple of SEGMENT_SECONDS (2), was 5"),
                e.getMessage());
    }
}
