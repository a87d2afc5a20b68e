package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A hung task keeps its lease (it heartbeats) but makes no progress: it is declared stuck and retried. */
@Tag("db")
class StuckTaskTest {
    private ManualCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("stuck", Map.of("LEASE_SECONDS", "30", "HEARTBEAT_SECONDS", "10",
                "STALL_SECONDS", "120"));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void a_task_that_heartbeats_without_progress_is_declared_stuck_its_handler_cancelled_and_it_is_retried()
            throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-1");
        Worker worker = cluster.worker("worker-1");
        String videoId = TestVideos.insert(cluster.platform());
        CountDownLatch hung = new CountDownLatch(1);
        AtomicBoolean sawCancel = new AtomicBoolean();
        cluster.media.onRun = ctx -> {
            if (ctx.task().attempt() == 1) {
                ctx.progress(0.2);
                hung.countDown();
                // Hung like an ffmpeg that stopped producing output; only cancellation ends it.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!ctx.cancelled() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                sawCancel.set(ctx.cancelled());
                throw new InterruptedException("cancelled");
            }
        };
        orchestrator.runOnce();
        assertEquals(1, worker.pollOnce());
        assertTrue(hung.await(10, TimeUnit.SECONDS));
        java.time.Instant progressedAt = cluster.clock.instant();
        worker.heartbeatOnce(); // sends 0.2: progress advanced
        assertEquals(progressedAt, cluster.task(videoId, TaskKind.PROBE, "").progressAt());

        for (int i = 0; i < 12; i++) { // two minutes of heartbeats without progress
            cluster.clock.advance(Duration.ofSeconds(10));
            worker.heartbeatOnce();
            orchestrator.runOnce();
            assertEquals(TaskState.RUNNING, cluster.task(videoId, TaskKind.PROBE, "").state(),
                    "not stuck yet at " + (i + 1) * 10 + " s");
        }
        Task beforeStall = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(progressedAt, beforeStall.progressAt(), "renewals without progress leave progress_at alone");
        assertTrue(beforeStall.leaseExpiresAt().isAfter(cluster.clock.instant()), "the lease itself is fine");

        cluster.clock.advance(Duration.ofSeconds(1));
        orchestrator.runOnce();
        Task requeued = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.READY, requeued.state());
        assertTrue(requeued.lastError().startsWith("STALLED"), requeued.lastError());
        assertEquals(1, cluster.events("TASK_STUCK", videoId).size());
        assertEquals(0, cluster.events("LEASE_EXPIRED", videoId).size());

        worker.heartbeatOnce(); // the hung worker's next heartbeat fails: it cancels its handler
        ManualCluster.awaitIdle(worker);
        assertTrue(sawCancel.get(), "the handler saw cancelled()");
        assertEquals(1, cluster.events("TASK_HEARTBEAT_LOST", videoId).size());
        assertEquals(requeued, cluster.task(videoId, TaskKind.PROBE, ""), "the cancelled attempt's report was rejected");

        cluster.clock.advance(Duration.ofSeconds(2));
        assertEquals(1, worker.pollOnce());
        ManualCluster.awaitIdle(worker);
        Task done = cluster.task(videoId, TaskKind.PROBE, "");
        assertEquals(TaskState.DONE, done.state());
        assertEquals(2, done.attempt());
    }
}
