package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Retryable errors back off exponentially up to the attempt cap; permanent ones fail at once. */
@Tag("db")
class RetryPolicyTest {
    private ManualCluster cluster;

    private void start(TranscodeSplit split) {
        cluster = new ManualCluster("retries", Map.of("MAX_ATTEMPTS", "3", "BACKOFF_BASE_SECONDS", "2",
                "BACKOFF_MAX_SECONDS", "60", "TRANSCODE_SPLIT", split.id()));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /**
     * The whole-ladder TRANSCODE (default plan), the 480p one of the per-rung plan, or the one chunk of the
     * chunked plan fails every time.
     */
    @ParameterizedTest
    @EnumSource(TranscodeSplit.class)
    void a_failing_task_backs_off_exponentially_and_the_attempt_cap_fails_the_video_with_the_last_error(
            TranscodeSplit split) {
        start(split);
        String failing = switch (split) {
            case LADDER -> TranscodeSplit.WHOLE_LADDER;
            case RUNG -> "480p";
            case CHUNK -> "c0000-0s-end";
        };
        TaskKind failingKind = split == TranscodeSplit.CHUNK ? TaskKind.VIDEO_CHUNK : TaskKind.TRANSCODE;
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == failingKind && ctx.task().variant().equals(failing)) {
                throw new IllegalStateException("encoder crashed in attempt " + ctx.task().attempt());
            }
        };
        orchestrator.runOnce();
        ManualCluster.workOff(worker);   // PROBE
        orchestrator.runOnce();          // fan-out
        ManualCluster.workOff(worker);   // every TRANSCODE once; the failing one fails

        long expectedCeiling = 2000;
        for (int attempt = 1; attempt <= 2; attempt++) {
            Task t = cluster.task(videoId, failingKind, failing);
            assertEquals(TaskState.READY, t.state(), "retryable: back to READY");
            assertEquals(attempt, t.attempt());
            assertTrue(t.lastError().contains("encoder crashed in attempt " + attempt), t.lastError());
            long delay = t.nextRunAt().toEpochMilli() - cluster.clock.millis();
            assertTrue(delay >= expectedCeiling / 2 && delay <= expectedCeiling,
                    "backoff after attempt " + attempt + " was " + delay + " ms, expected within ["
                            + expectedCeiling / 2 + ", " + expectedCeiling + "]");
            assertEquals(0, worker.pollOnce(), "not claimable before its backoff has passed");
            cluster.clock.advance(Duration.ofMillis(delay));
            assertEquals(1, worker.pollOnce());
            ManualCluster.awaitIdle(worker);
            expectedCeiling *= 2;
        }

        Task failed = cluster.task(videoId, failingKind, failing);
        assertEquals(TaskState.FAILED, failed.state());
        assertEquals(3, failed.attempt());
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.FAILED, video.status());
        assertEquals("TRANSCODE_FAILED", video.errorCode());
        assertTrue(video.errorMessage().contains("encoder crashed in attempt 3"), video.errorMessage());
        assertEquals(JobState.FAILED, new JobRepository(cluster.platform().sql()).ofVideo(videoId).get(0).state());
        List<JsonNode> retries = cluster.events("TASK_RETRY", videoId);
        assertEquals(List.of(1, 2), retries.stream().map(e -> e.get("attempt").asInt()).toList());
        assertEquals(1, cluster.events("TASK_FAILED", videoId).size());
        cluster.assertOneStateChange(videoId, "failed");
        assertTrue(cluster.tasks(videoId, 1).stream().noneMatch(t -> t.state() == TaskState.READY
                || t.state() == TaskState.WAITING || t.state() == TaskState.RUNNING), "the generation is wound up");
    }

    @ParameterizedTest
    @EnumSource(TranscodeSplit.class)
    void invalid_media_fails_the_video_at_once_without_retries(TranscodeSplit split) {
        start(split);
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = ctx -> {
            throw new PermanentTaskException("INVALID_MEDIA", "no video stream in the upload");
        };
        ManualCluster.runUntilQuiet(orchestrator, worker);

        Task probe = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.FAILED, probe.state());
        assertEquals(1, probe.attempt());
        Video video = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.FAILED, video.status());
        assertEquals("INVALID_MEDIA", video.errorCode());
        assertEquals("no video stream in the upload", video.errorMessage());
        assertEquals(0, cluster.events("TASK_RETRY", videoId).size());
        assertEquals(1, cluster.media.executions.size(), "one execution, no retry");
        assertEquals(1, cluster.tasks(videoId, 1).size(), "no further tasks planned");
    }
}
