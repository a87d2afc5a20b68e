package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * WORK_DIR_MAX_BYTES on one worker: an attempt whose files outgrow the limit is aborted while it runs (it
 * sees cancelled(), as ffmpeg's runner does), its directory is deleted, and it is retried with backoff;
 * a retry that fits completes, and a task that never fits fails with WORK_DIR_LIMIT once its attempts
 * are used up. The real thing (ffmpeg killed mid-encode, on real processes) is FailureMatrixTest.
 */
@Tag("db")
class ScratchLimitTest {
    private static final long LIMIT = 1_000_000;
    private static final int CHUNK = 50_000;

    private ManualCluster cluster;
    private final ConcurrentLinkedQueue<Path> attemptDirs = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("scratch", Map.of("WORK_DIR_MAX_BYTES", Long.toString(LIMIT), "MAX_ATTEMPTS", "3"));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void an_attempt_that_outgrows_the_work_directory_limit_is_aborted_cleaned_up_and_its_retry_that_fits_completes()
            throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        // Attempt 1 writes until it is stopped (4 x the limit at most); attempt 2 needs half the limit.
        cluster.media.onRun = writing(attempt -> attempt == 1 ? (int) (4 * LIMIT / CHUNK) : (int) (LIMIT / 2 / CHUNK));

        orchestrator.runOnce();
        assertEquals(1, worker.pollOnce());
        ManualCluster.awaitIdle(worker);
        Task retried = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.READY, retried.state());
        assertTrue(retried.lastError().startsWith("WORK_DIR_LIMIT: the work directory of worker-1 reached"),
                retried.lastError());
        List<JsonNode> reached = cluster.events("WORK_DIR_LIMIT_REACHED", videoId);
        assertEquals(1, reached.size());
        assertEquals("aborted", reached.get(0).path("action").asText());
        assertEquals(LIMIT, reached.get(0).path("limit_bytes").asLong());
        long used = reached.get(0).path("used_bytes").asLong();
        assertTrue(used > LIMIT && used < 4 * LIMIT, "stopped soon after the limit, not at the end: " + used);
        JsonNode retry = cluster.events("TASK_RETRY", videoId).get(0);
        assertTrue(retry.path("counted").asBoolean(), retry.toString());
        assertTrue(retry.path("delay_ms").asLong() > 0, "with backoff: " + retry);
        assertFalse(Files.exists(attemptDirs.peek()), "the aborted attempt's files are gone");

        cluster.clock.advance(Duration.ofSeconds(retry.path("delay_ms").asLong() / 1000 + 1));
        assertEquals(1, worker.pollOnce());
        ManualCluster.awaitIdle(worker);
        Task done = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.DONE, done.state(), done.toString());
        assertEquals(2, done.attempt());
        assertEquals(1, cluster.events("WORK_DIR_LIMIT_REACHED", videoId).size(), "the retry fitted");
        for (Path dir : attemptDirs) {
            assertFalse(Files.exists(dir), "no attempt's files are left: " + dir);
        }
    }

    @Test
    void a_task_that_never_fits_fails_the_video_with_work_dir_limit_once_its_attempts_are_used_up() throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = writing(attempt -> (int) (4 * LIMIT / CHUNK));

        orchestrator.runOnce();
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertEquals(1, worker.pollOnce(), "attempt " + attempt);
            ManualCluster.awaitIdle(worker);
            cluster.clock.advance(Duration.ofSeconds(10));
        }
        Video v = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.FAILED, v.status());
        assertEquals("WORK_DIR_LIMIT", v.errorCode());
        assertTrue(v.errorMessage().contains("failed 3 times") && v.errorMessage().contains("WORK_DIR_MAX_BYTES"),
                v.errorMessage());
        assertEquals(3, cluster.events("WORK_DIR_LIMIT_REACHED", videoId).size());
        assertEquals(0, worker.pollOnce(), "nothing left to retry");
        assertEquals(1, cluster.events("TASK_FAILED", videoId).size());
    }

    /** A handler body that writes {@code chunks(attempt)} chunks into its work directory, stopping when cancelled. */
    private io.vidforge.testing.FakeMedia.Behaviour writing(IntUnaryOperator chunks) {
        return ctx -> {
            Path dir = ctx.workDir();
            attemptDirs.add(dir);
            byte[] data = new byte[CHUNK];
            int n = chunks.applyAsInt(ctx.task().attempt());
            for (int i = 0; i < n; i++) {
                if (ctx.cancelled()) {
                    throw new InterruptedException("cancelled after " + i + " chunks");
                }
                Files.write(dir.resolve("part-" + i), data);
                Thread.sleep(10); // about 5 MB/s, the pace of a fast encode; the watch checks every 200 ms
            }
        };
    }
}
