package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The watchdog on its own, with claims made directly (a worker that died or hung, nothing else running):
 * a RUNNING task past its lease, or without progress for STALL_SECONDS, is requeued exactly once, with
 * the event and reason that say which and by how much, and the pass that did it reports a change (so the
 * loop runs the next pass at once and the task is claimed again without waiting for the poll).
 */
@Tag("db")
class StuckTaskDetectorTest {
    private static final Duration LEASE = Duration.ofSeconds(30); // LEASE_SECONDS of the manual timings

    private ManualCluster cluster;
    private Orchestrator orchestrator;
    private TaskRepository tasks;
    private String video;

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("stuck-detector", Map.of());
        orchestrator = cluster.orchestrator("orch-1");
        tasks = new TaskRepository(cluster.platform().sql());
        video = TestVideos.insert(cluster.platform());
        assertTrue(orchestrator.runOnce(), "the job starts with its PROBE");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Task claim(String owner) {
        return tasks.claim(owner, EnumSet.allOf(TaskKind.class), cluster.clock.instant(), LEASE).orElseThrow();
    }

    private Task probe() {
        return cluster.task(video, TaskKind.PROBE, "");
    }

    @Test
    void a_task_whose_worker_stopped_renewing_is_requeued_once_with_how_long_its_lease_is_overdue() {
        claim("worker-gone");
        cluster.clock.advance(LEASE);
        assertFalse(orchestrator.runOnce(), "the lease ends now, it has not expired yet");
        assertEquals(TaskState.RUNNING, probe().state());

        cluster.clock.advance(Duration.ofSeconds(1));
        assertTrue(orchestrator.runOnce(), "the requeue is the pass's only change");
        Task requeued = probe();
        assertEquals(TaskState.READY, requeued.state());
        String reason = "LEASE_EXPIRED: worker-gone stopped renewing its lease 1000 ms ago";
        assertEquals(reason, requeued.lastError());
        List<JsonNode> expired = cluster.events("LEASE_EXPIRED", video);
        assertEquals(1, expired.size());
        assertEquals("worker-gone", expired.get(0).path("owner").asText());
        assertEquals(reason, expired.get(0).path("reason").asText());
        assertEquals(requeued.taskId(), expired.get(0).path("task_id").asLong());
        assertEquals(0, cluster.events("TASK_STUCK", video).size());

        assertFalse(orchestrator.runOnce(), "requeued once: nothing left to recover");
        assertEquals(1, cluster.events("LEASE_EXPIRED", video).size());
        assertEquals(requeued, probe());
    }

    @Test
    void a_task_that_renews_its_lease_without_progress_is_requeued_once_as_stalled_with_its_progress() {
        Task claimed = claim("worker-hung");
        assertTrue(tasks.heartbeat(claimed, 0.2, true, cluster.clock.instant(), LEASE));
        for (int i = 0; i < 12; i++) { // two minutes (STALL_SECONDS) of renewals without progress
            cluster.clock.advance(Duration.ofSeconds(10));
            assertTrue(tasks.heartbeat(claimed, 0.2, false, cluster.clock.instant(), LEASE));
            assertFalse(orchestrator.runOnce(), "not stalled yet after " + (i + 1) * 10 + " s");
        }
        cluster.clock.advance(Duration.ofSeconds(1));
        assertTrue(orchestrator.runOnce(), "the requeue is the pass's only change");
        Task requeued = probe();
        assertEquals(TaskState.READY, requeued.state());
        String reason = "STALLED: no progress from worker-hung for 120 s (at 20%)";
        assertEquals(reason, requeued.lastError());
        List<JsonNode> stuck = cluster.events("TASK_STUCK", video);
        assertEquals(1, stuck.size());
        assertEquals("worker-hung", stuck.get(0).path("owner").asText());
        assertEquals(reason, stuck.get(0).path("reason").asText());
        assertEquals(0, cluster.events("LEASE_EXPIRED", video).size(), "its lease was fine");

        assertFalse(tasks.heartbeat(claimed, 0.3, true, cluster.clock.instant(), LEASE), "the hung claim is fenced off");
        assertFalse(orchestrator.runOnce());
        assertEquals(1, cluster.events("TASK_STUCK", video).size(), "requeued once");
    }
}
