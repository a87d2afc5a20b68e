package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.orchestrator.OrchestratorModule;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.worker.Worker;
import io.vidforge.worker.WorkerModule;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Orchestrator and worker modules on one fresh database under one {@link ManualClock}, with their loops
 * off: the test runs {@code orchestrator.runOnce()} and {@code worker.pollOnce()/heartbeatOnce()} itself,
 * so leases, backoffs and stalls happen exactly when it advances the clock. Workers run {@link #media}.
 */
public final class ManualCluster implements ClusterView, AutoCloseable {
    public final ManualClock clock = ManualClock.startingNow();
    public final FakeMedia media = new FakeMedia();
    public final Map<String, String> env;
    private final Map<String, String> overrides;
    private final List<ModuleHarness<?>> nodes = new ArrayList<>();

    public ManualCluster(String name, Map<String, String> overrides) {
        this.env = TestNodes.environment(name);
        this.overrides = new HashMap<>(TestTimings.MANUAL);
        this.overrides.putAll(overrides);
    }

    public ModuleHarness<OrchestratorModule> orchestratorNode(String nodeId) {
        return orchestratorNode(nodeId, clock);
    }

    /** A node on a clock of its own (a real clock, not the manual one): leases then run on the database's. */
    public ModuleHarness<OrchestratorModule> orchestratorNode(String nodeId, Clock nodeClock) {
        return add(ModuleHarness.start(env, nodeId, overrides, nodeClock, OrchestratorModule::new));
    }

    public Orchestrator orchestrator(String nodeId) {
        return orchestratorNode(nodeId).module().orchestrator();
    }

    public Orchestrator orchestrator(String nodeId, Clock nodeClock) {
        return orchestratorNode(nodeId, nodeClock).module().orchestrator();
    }

    public ModuleHarness<WorkerModule> workerNode(String nodeId) {
        return workerNode(nodeId, clock);
    }

    public ModuleHarness<WorkerModule> workerNode(String nodeId, Clock nodeClock) {
        return add(ModuleHarness.start(env, nodeId, overrides, nodeClock, p -> new WorkerModule(p, media.handlers(nodeId))));
    }

    public Worker worker(String nodeId) {
        return workerNode(nodeId).module().worker();
    }

    public Worker worker(String nodeId, Clock nodeClock) {
        return workerNode(nodeId, nodeClock).module().worker();
    }

    private <M extends io.vidforge.RoleModule> ModuleHarness<M> add(ModuleHarness<M> h) {
        nodes.add(h);
        return h;
    }

    public Platform platform() {
        return nodes.get(0).platform();
    }

    public List<Task> tasks(String videoId, int generation) {
        return new TaskRepository(platform().sql()).ofGeneration(videoId, generation);
    }

    public Task task(String videoId, TaskKind kind, String variant) {
        return tasks(videoId, 1).stream().filter(t -> t.kind() == kind && t.variant().equals(variant)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + variant + " task for " + videoId));
    }

    /** Waits until the worker has finished (and reported) everything it claimed. */
    public static void awaitIdle(Worker w) {
        Await.until(Duration.ofSeconds(20), "worker idle", () -> w.runningTasks() == 0);
    }

    /** Lets {@code w} claim and finish tasks until nothing is claimable for it. */
    public static void workOff(Worker w) {
        for (int i = 0; i < 100 && w.pollOnce() > 0; i++) {
            awaitIdle(w);
        }
    }

    /** Orchestrator passes and worker polls until neither changes anything (nothing may block). */
    public static void runUntilQuiet(Orchestrator o, Worker... workers) {
        for (int i = 0; i < 100; i++) {
            boolean changed = o.runOnce();
            int claimed = 0;
            for (Worker w : workers) {
                claimed += w.pollOnce();
            }
            for (Worker w : workers) {
                awaitIdle(w);
            }
            if (!changed && claimed == 0) {
                return;
            }
        }
        throw new AssertionError("still busy after 100 rounds");
    }

    @Override
    public List<JsonNode> events(String name, String videoId) {
        return EventLogs.events(platform().settings().logDir(), name,
                e -> videoId == null || videoId.equals(e.path("video_id").asText()));
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }
}
