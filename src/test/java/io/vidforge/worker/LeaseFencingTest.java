package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker that lost its lease (paused, partitioned) and comes back later is a zombie: whatever it
 * reports is rejected by the version fence, and what it wrote under its own prefix is never published.
 */
@Tag("db")
class LeaseFencingTest {
    private ManualCluster cluster;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("fencing", Map.of());
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        cluster.close();
    }

    /** Attempt 1 of {@code kind} blocks until the test releases it: a worker paused mid-task. */
    private void pauseFirstAttemptOf(TaskKind kind) {
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == kind && ctx.task().attempt() == 1) {
                started.countDown();
                release.await();
            }
        };
    }

    @Test
    void late_completion_from_a_worker_that_lost_its_lease_is_rejected() throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker zombie = cluster.worker("worker-1");
        Worker healthy = cluster.worker("worker-2");
        String videoId = TestVideos.insert(cluster.platform());
        pauseFirstAttemptOf(TaskKind.PROBE);

        orchestrator.runOnce();
        assertEquals(1, zombie.pollOnce());
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Task claimed = cluster.task(videoId, TaskKind.PROBE, "");

        // No heartbeat while the worker is paused: its lease runs out and the orchestrator requeues the task.
        cluster.clock.advance(Duration.ofSeconds(31));
        orchestrator.runOnce();
        Task requeued = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.READY, requeued.state());
        assertEquals(claimed.version() + 1, requeued.version());
        assertEquals(1, cluster.events("LEASE_EXPIRED", videoId).size());

        release.countDown(); // the zombie wakes up and reports its result
        ManualCluster.awaitIdle(zombie);
        List<JsonNode> rejected = cluster.events("STALE_COMPLETION_REJECTED", videoId);
        assertEquals(1, rejected.size());
        assertEquals("worker-1", rejected.get(0).get("node_id").asText());
        assertEquals("result", rejected.get(0).get("outcome").asText());
        Task untouched = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(requeued, untouched, "the rejected completion changed nothing");
        assertNull(cluster.platform().videos().find(videoId).orElseThrow().source(), "no source recorded");
        assertEquals(0, cluster.events("TASK_COMPLETED", videoId).size());

        // The task goes on elsewhere once its backoff has passed.
        cluster.clock.advance(Duration.ofSeconds(2));
        assertEquals(1, healthy.pollOnce());
        ManualCluster.awaitIdle(healthy);
        Task done = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.DONE, done.state());
        assertEquals(2, done.attempt());
        assertEquals("worker-2", done.owner());
        assertNotNull(cluster.platform().videos().find(videoId).orElseThrow().source());
    }

    @Test
    void a_zombie_publish_never_becomes_what_is_published() throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker zombie = cluster.worker("worker-1");
        Worker healthy = cluster.worker("worker-2");
        String videoId = TestVideos.insert(cluster.platform());
        pauseFirstAttemptOf(TaskKind.PUBLISH);

        orchestrator.runOnce();          // plan + PROBE
        ManualCluster.workOff(healthy);
        orchestrator.runOnce();          // fan-out: the whole-ladder TRANSCODE, PUBLISH waiting
        ManualCluster.workOff(healthy);
        orchestrator.runOnce();          // fan-in: PUBLISH ready
        assertEquals(1, zombie.pollOnce());
        assertTrue(started.await(10, TimeUnit.SECONDS));

        cluster.clock.advance(Duration.ofSeconds(31));
        orchestrator.runOnce();          // the zombie's lease expired
        cluster.clock.advance(Duration.ofSeconds(2));
        ManualCluster.workOff(healthy);  // attempt 2 publishes
        Video published = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(VideoStatus.READY, published.status());

        release.countDown();
        ManualCluster.awaitIdle(zombie);
        assertEquals(1, cluster.events("STALE_COMPLETION_REJECTED", videoId).size());
        Video after = cluster.platform().videos().find(videoId).orElseThrow();
        assertEquals(published, after, "the zombie's publish changed nothing");
        String zombiePrefix = cluster.media.executions.stream()
                .filter(e -> e.kind() == TaskKind.PUBLISH && e.worker().equals("worker-1")).findFirst().orElseThrow()
                .prefix();
        String publishedMaster = cluster.platform().sql().queryOne("SELECT published_prefix FROM videos WHERE video_id = ?",
                rs -> rs.getString(1), videoId).orElseThrow();
        assertNotEquals(zombiePrefix, publishedMaster);
        assertTrue(publishedMaster.contains("/publish/a2-"), publishedMaster);
        cluster.assertOneStateChange(videoId, "ready");
        assertEquals(1, cluster.platform().videos().history(videoId).stream()
                .filter(h -> h.status() == VideoStatus.READY).count());
    }
}
