package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.Await;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Nodes whose clocks run 60 s ahead of or behind the database: leases are decided on the database's clock
 * (CURRENT_TIMESTAMP in the claim, heartbeat and expiry statements), so no lease ends early (no double
 * execution) and none ends late. Real clocks with a test-only offset; the manual clock is not used.
 */
@Tag("db")
class ClockSkewTest {
    private static final Duration SKEW = Duration.ofSeconds(60);
    private static final Duration LEASE = Duration.ofSeconds(4);
    private final Clock ahead = Clock.offset(Clock.systemUTC(), SKEW);
    private final Clock behind = Clock.offset(Clock.systemUTC(), SKEW.negated());
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private ManualCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("clockskew", Map.of("LEASE_SECONDS", String.valueOf(LEASE.toSeconds()),
                "HEARTBEAT_SECONDS", "1", "LEADER_LEASE_SECONDS", String.valueOf(LEASE.toSeconds()),
                "BACKOFF_BASE_SECONDS", "1", "BACKOFF_MAX_SECONDS", "1"));
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        cluster.close();
    }

    private Task probe(String videoId) {
        return cluster.task(videoId, TaskKind.PROBE, "");
    }

    @Test
    void a_worker_60_s_behind_keeps_its_lease_against_nodes_60_s_ahead_until_it_really_runs_out() throws Exception {
        Orchestrator orchestrator = cluster.orchestrator("orch-ahead", ahead);
        Worker slow = cluster.worker("worker-behind", behind);
        Worker fast = cluster.worker("worker-ahead", ahead);
        String videoId = TestVideos.insert(cluster.platform());
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == TaskKind.PROBE && ctx.task().attempt() == 1) {
                started.countDown();
                release.await();
            }
        };

        orchestrator.runOnce(); // plans PROBE, due now by the database's clock
        assertEquals(1, slow.pollOnce(), "a task planned by a node two minutes ahead is due at once");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        long renewedAt = System.nanoTime();
        slow.heartbeatOnce();
        // By the nodes' clocks this lease ended 116 s ago; by the database's it has seconds to run.
        orchestrator.runOnce();
        assertEquals(0, fast.pollOnce(), "nobody else may claim a task whose lease runs");
        assertTrue(System.nanoTime() - renewedAt < LEASE.toNanos(), "checked inside the lease (machine too slow?)");
        assertEquals(TaskState.RUNNING, probe(videoId).state(), "no premature expiry");
        assertEquals(0, cluster.events("LEASE_EXPIRED", videoId).size());

        // Not renewed any more: it expires on the database's clock, no earlier than one lease after the renewal.
        Await.until(Duration.ofSeconds(15), "the lease to expire", () -> {
            orchestrator.runOnce();
            return probe(videoId).state() == TaskState.READY;
        });
        long expiredAfter = System.nanoTime() - renewedAt;
        assertTrue(expiredAfter >= LEASE.toNanos(), "expired after " + expiredAfter / 1_000_000 + " ms");
        assertEquals(1, cluster.events("LEASE_EXPIRED", videoId).size());

        release.countDown(); // the paused worker reports late: rejected, and it claims again
        ManualCluster.awaitIdle(slow);
        assertEquals(1, cluster.events("STALE_COMPLETION_REJECTED", videoId).size());
        Await.until(Duration.ofSeconds(10), "attempt 2 claimed", () -> fast.pollOnce() == 1);
        ManualCluster.awaitIdle(fast);
        Task done = probe(videoId);
        assertEquals(TaskState.DONE, done.state());
        assertEquals(2, done.attempt());
        assertEquals("worker-ahead", done.owner());
        assertEquals(1, cluster.events("TASK_COMPLETED", videoId).size(), "executed to completion once");
    }

    @Test
    void an_orchestrator_60_s_ahead_takes_the_lead_only_once_the_lease_really_ran_out() {
        Orchestrator late = cluster.orchestrator("orch-behind", behind);
        Orchestrator early = cluster.orchestrator("orch-ahead", ahead);

        // Taken before the lease is: the lease starts somewhere inside runOnce (which goes on planning after
        // it), so "not before a whole lease" must count from here, or a slow runOnce makes it look early.
        long renewedAt = System.nanoTime();
        late.runOnce();
        assertTrue(late.leading());
        early.runOnce();
        assertTrue(System.nanoTime() - renewedAt < LEASE.toNanos(), "checked inside the lease (machine too slow?)");
        assertFalse(early.leading(), "a lease the database still counts as held is not taken over");

        Await.until(Duration.ofSeconds(15), "the standby to lead", () -> {
            early.runOnce();
            return early.leading();
        });
        long after = System.nanoTime() - renewedAt;
        assertTrue(after >= LEASE.toNanos(), "took over after " + after / 1_000_000 + " ms");
        late.runOnce();
        assertFalse(late.leading(), "the old leader does not lead again while the new one renews");
    }
}
