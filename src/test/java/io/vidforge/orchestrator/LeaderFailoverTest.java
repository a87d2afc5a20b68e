package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.json.Json;
import io.vidforge.model.SourceInfo;
import io.vidforge.tasks.Backoff;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.LeaderLease;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskStore;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.Await;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Exactly one orchestrator leads; a standby takes over when it dies; plans are never duplicated. */
@Tag("db")
class LeaderFailoverTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private static int rows(Platform p, String videoId) {
        return p.sql().queryOne("SELECT COUNT(*) FROM tasks WHERE video_id = ?", rs -> rs.getInt(1), videoId).orElse(0);
    }

    @Test
    void the_standby_takes_over_when_the_leaders_lease_expires_and_no_plan_row_is_duplicated() {
        ManualCluster cluster = keep(new ManualCluster("leader-expiry", Map.of("LEADER_LEASE_SECONDS", "10")));
        Orchestrator a = cluster.orchestrator("orch-a");
        Orchestrator b = cluster.orchestrator("orch-b");
        Platform p = cluster.platform();
        List<String> ids = List.of(TestVideos.insert(p), TestVideos.insert(p), TestVideos.insert(p));

        assertTrue(a.runOnce(), "a leads and plans");
        assertFalse(b.runOnce(), "b stands by");
        assertTrue(a.leading());
        assertFalse(b.leading());
        ids.forEach(id -> assertEquals(1, rows(p, id), "PROBE planned once"));

        // a dies (no more passes). Before its lease expires b still stands by; after, b leads.
        cluster.clock.advance(Duration.ofSeconds(9));
        assertFalse(b.runOnce());
        cluster.clock.advance(Duration.ofSeconds(2));
        b.runOnce();
        assertTrue(b.leading());
        assertEquals("orch-b", new LeaderLease(p.sql(), LeaderLease.ORCHESTRATOR).current().orElseThrow().owner());
        ids.forEach(id -> assertEquals(1, rows(p, id), "the new leader re-plans nothing"));

        // a comes back (a paused process): it has lost the lease and does nothing.
        assertFalse(a.runOnce());
        assertFalse(a.leading());
        assertEquals(1, cluster.events("LEADER_LOST", null).size());
        assertEquals(List.of("orch-a", "orch-b"), cluster.events("LEADER_ELECTED", null).stream()
                .map(e -> e.get("node_id").asText()).toList());
        assertEquals(3, cluster.events("TASK_CREATED", null).size());
    }

    @Test
    void closing_the_leaders_node_hands_leadership_to_the_standby_at_once() {
        LiveCluster cluster = keep(new LiveCluster("leader-close", Map.of("LEADER_LEASE_SECONDS", "30", "TRANSCODE_SPLIT", "ladder")));
        Node upload = cluster.node("upload-1", Role.UPLOAD);
        Node first = cluster.node("orch-1", Role.ORCHESTRATOR);
        LeaderLease lease = new LeaderLease(upload.platform().sql(), LeaderLease.ORCHESTRATOR);
        Await.until(Duration.ofSeconds(10), "orch-1 leads",
                () -> lease.current().map(h -> "orch-1".equals(h.owner())).orElse(false));
        Node second = cluster.node("orch-2", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());

        long closed = System.nanoTime();
        first.close();
        // A 30 s lease: only the release on close lets the standby lead within seconds.
        Await.until(Duration.ofSeconds(5), "orch-2 leads",
                () -> lease.current().map(h -> "orch-2".equals(h.owner()) && h.expiresAt() > 0).orElse(false));
        System.out.printf("standby led %d ms after the leader's node was closed%n", (System.nanoTime() - closed) / 1_000_000);
        String id = LiveCluster.upload(upload, 99);
        LiveCluster.awaitStatus(upload, id, "ready", Duration.ofSeconds(60));
        assertEquals(3, rows(second.platform(), id), "PROBE, the whole-ladder TRANSCODE, PUBLISH");
    }

    @ParameterizedTest
    @EnumSource(TranscodeSplit.class)
    void two_planners_racing_on_the_same_jobs_never_duplicate_plan_rows(TranscodeSplit split) throws Exception {
        ManualCluster cluster = keep(new ManualCluster("split-brain", Map.of()));
        cluster.orchestratorNode("orch-a");
        cluster.orchestratorNode("orch-b");
        Platform p = cluster.platform();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(TestVideos.insert(p));
        }
        // Two planners that both believe they lead (a paused leader and its successor), on separate pools.
        List<SplitBrain> planners = new ArrayList<>();
        List<TaskSignals> signals = new ArrayList<>();
        List<Platform> platforms = List.of(p, Platform.open(io.vidforge.config.Settings.of(cluster.env)
                .with(Map.of("DB_POOL_SIZE", "4")), "orch-b2", cluster.clock));
        keep(platforms.get(1));
        for (Platform pl : platforms) {
            TaskSignals s = keep(TaskSignals.acquire(pl));
            TaskStore store = TaskStore.of(pl, s);
            TaskSettings settings = TaskSettings.from(pl.settings());
            planners.add(new SplitBrain(new JobStarter(store, pl.events(Role.ORCHESTRATOR), cluster.clock),
                    new Planner(store, new TaskOutcomes(store, Backoff.of(settings), pl.events(Role.ORCHESTRATOR),
                            cluster.clock), pl.ladder(), split, 3, pl.events(Role.ORCHESTRATOR), cluster.clock)));
            signals.add(s);
        }
        race(planners, pl -> pl.starter().startPending() + pl.planner().advancePlanned());
        for (String id : ids) {
            assertEquals(1, rows(p, id), "one PROBE");
        }
        // Complete every PROBE as a worker would, then race the fan-out.
        TaskStore store = TaskStore.of(p, signals.get(0));
        TaskOutcomes outcomes = new TaskOutcomes(store, Backoff.of(TaskSettings.from(p.settings())),
                p.events(Role.WORKER), cluster.clock);
        String probe = Json.write(new ProbeResult(new SourceInfo(5, 1920, 1080, "h264", null, 30, 0, 0, "mp4"), null));
        for (int i = 0; i < ids.size(); i++) {
            Task claimed = store.tasks().claim("w", EnumSet.of(TaskKind.PROBE), cluster.clock.instant(),
                    Duration.ofSeconds(30)).orElseThrow();
            assertTrue(outcomes.complete(claimed, probe));
        }
        race(planners, pl -> pl.planner().advancePlanned());
        // PROBE, then the whole-ladder TRANSCODE, one per rung (five for 1080p) or one VIDEO_CHUNK (5 s is
        // shorter than a chunk; the source has no audio, so no AUDIO task), then PUBLISH: each once.
        int encodes = switch (split) {
            case LADDER, CHUNK -> 1;
            case RUNG -> 5;
        };
        int planSize = 1 + encodes + 1;
        for (String id : ids) {
            assertEquals(planSize, rows(p, id), "each task of the " + split + " plan once");
            assertEquals(JobState.PLANNED, new JobRepository(p.sql()).ofVideo(id).get(0).state());
        }
        assertEquals(ids.size() * planSize, cluster.events("TASK_CREATED", null).size(), "each task created once");
    }

    private record SplitBrain(JobStarter starter, Planner planner) {
    }

    private static void race(List<SplitBrain> planners, ToIntFunction<SplitBrain> step) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(planners.size());
        try {
            for (int round = 0; round < 3; round++) {
                CyclicBarrier barrier = new CyclicBarrier(planners.size());
                List<Future<Integer>> results = new ArrayList<>();
                for (SplitBrain pl : planners) {
                    results.add(pool.submit(() -> {
                        barrier.await(10, TimeUnit.SECONDS);
                        return step.applyAsInt(pl);
                    }));
                }
                for (Future<Integer> f : results) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdown();
        }
    }
}
