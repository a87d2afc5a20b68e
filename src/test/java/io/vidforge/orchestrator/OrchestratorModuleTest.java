package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.LeaderLease;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.ModuleHarness;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestTimings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator role with its loops on (ORCHESTRATOR_AUTOSTART): it runs a pass when a task finishes
 * or a job appears on its node (the ORCHESTRATE signal), not only every POLL_MILLIS; the storage
 * clean-up runs on the leading node alone; closing the module stops its loop, hands the lease back and
 * releases the node's signals. POLL_MILLIS is ten minutes here, so a pass within seconds came from a
 * wake-up.
 */
@Tag("db")
class OrchestratorModuleTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<ModuleHarness<OrchestratorModule>> nodes = new ArrayList<>();
    private final Map<String, String> env = TestNodes.environment("orchestrator-module");

    @AfterEach
    void tearDown() {
        nodes.forEach(ModuleHarness::close);
    }

    private ModuleHarness<OrchestratorModule> node(String id, String gcIntervalSeconds) {
        ModuleHarness<OrchestratorModule> h = ModuleHarness.start(env, id, TestTimings.with(TestTimings.MANUAL,
                "ORCHESTRATOR_AUTOSTART", "true", "POLL_MILLIS", "600000", "LEADER_LEASE_SECONDS", "3600",
                "GC_INTERVAL_SECONDS", gcIntervalSeconds, "GC_GRACE_SECONDS", "0"), Clock.systemUTC(), OrchestratorModule::new);
        nodes.add(h);
        return h;
    }

    private static boolean alive(String threadName) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(threadName) && t.isAlive());
    }

    private static VideoStatus status(Platform p, String video) {
        return p.videos().find(video).orElseThrow().status();
    }

    @Test
    void a_signal_wakes_the_loop_and_closing_the_module_stops_it_hands_the_lease_back_and_releases_the_signals() {
        ModuleHarness<OrchestratorModule> h = node("orch-a", "0");
        Platform p = h.platform();
        OrchestratorModule module = h.module();
        Await.until(WAIT, "the first pass", () -> module.loop().completedPasses() >= 1);
        assertTrue(module.orchestrator().leading());
        assertTrue(alive("orchestrator-orch-a"));

        // The loop is idle now, for ten minutes unless woken.
        String video = io.vidforge.testing.TestVideos.insert(p);
        TaskSignals signals = TaskSignals.acquire(p);
        signals.transaction(p.sql(), TaskSignals.Channel.ORCHESTRATE, c -> null);
        signals.close(); // the module still holds the node's signals
        Await.until(WAIT, "the woken pass starts the job", () -> status(p, video) == VideoStatus.PROCESSING);

        module.close();
        assertFalse(alive("orchestrator-orch-a"), "the loop's thread ended with the module");
        assertFalse(module.orchestrator().leading());
        assertEquals(0, new LeaderLease(p.sql(), LeaderLease.ORCHESTRATOR).current().orElseThrow().expiresAt(),
                "the lease is handed back");
        assertNotSame(signals, TaskSignals.acquire(p), "its last holder closed the node's signals");
    }

    @Test
    void only_the_leading_node_runs_the_storage_clean_up() {
        ModuleHarness<OrchestratorModule> leader = node("orch-a", "0.2");
        Await.until(WAIT, "orch-a leads", () -> leader.module().orchestrator().leading());
        ModuleHarness<OrchestratorModule> standby = node("orch-b", "0.2");
        Await.until(WAIT, "orch-b's first pass", () -> standby.module().loop().completedPasses() >= 1);
        assertFalse(standby.module().orchestrator().leading());

        String orphan = "raw/" + UUID.randomUUID();
        leader.platform().store().putBytes(orphan, new byte[] {1, 2, 3}, "application/octet-stream");
        Await.until(WAIT, "the orphan swept (two clean-up passes)", () -> !leader.platform().store().exists(orphan));
        List<JsonNode> gc = new ArrayList<>(EventLogs.events(leader.platform().settings().logDir(), "GC_MARKED", e -> true));
        gc.addAll(EventLogs.events(leader.platform().settings().logDir(), "GC_DELETED", e -> true));
        assertTrue(gc.stream().anyMatch(e -> orphan.equals(e.path("key").asText())), gc.toString());
        assertTrue(gc.stream().allMatch(e -> "orch-a".equals(e.path("node_id").asText())), "only the leader collects: " + gc);
        List<Thread> gcThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("storage-gc"))
                .toList();
        assertFalse(gcThreads.isEmpty());
        assertTrue(gcThreads.stream().allMatch(Thread::isDaemon), "the clean-up's thread never keeps a stopping node's JVM alive");
    }
}
