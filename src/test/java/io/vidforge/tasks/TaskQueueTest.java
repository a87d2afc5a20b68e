package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The tasks table as a queue: claims, heartbeats and fences, on both databases. */
@Tag("db")
class TaskQueueTest {
    private static final Set<TaskKind> ALL = EnumSet.allOf(TaskKind.class);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final ManualClock clock = ManualClock.startingNow();
    private final List<Platform> platforms = new ArrayList<>();
    private Map<String, String> env;

    @BeforeEach
    void setUp() {
        env = TestNodes.environment("taskqueue");
    }

    @AfterEach
    void tearDown() {
        platforms.forEach(Platform::close);
    }

    private Platform platform(String nodeId) {
        Platform p = Platform.open(Settings.of(env).with(Map.of("NODE_ID", nodeId, "DB_POOL_SIZE", "6")), nodeId, clock);
        platforms.add(p);
        return p;
    }

    private static int inTx(Platform p, io.vidforge.db.Sql.Work<Integer> work) {
        return p.sql().inTransaction(work);
    }

    private List<Long> insertReady(TaskRepository tasks, Platform p, int n) {
        List<Long> ids = new ArrayList<>();
        p.sql().inTransaction(c -> {
            for (int i = 0; i < n; i++) {
                ids.add(tasks.insert(c, "v" + i, 1, TaskKind.TRANSCODE, "720p", TaskState.READY, 3, clock.instant())
                        .taskId());
            }
            return null;
        });
        return ids;
    }

    @Test
    void concurrent_claimers_on_two_nodes_never_claim_one_task_twice() throws Exception {
        Platform a = platform("claim-a");
        Platform b = platform("claim-b");
        List<Long> ids = insertReady(new TaskRepository(a.sql()), a, 300);
        Map<Long, AtomicInteger> claims = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        long began = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Platform p = i % 2 == 0 ? a : b;
            String owner = p.nodeId() + "-" + i;
            results.add(pool.submit(() -> {
                TaskRepository repo = new TaskRepository(p.sql());
                start.await(30, TimeUnit.SECONDS);
                int empty = 0;
                int mine = 0;
                while (total.get() < ids.size() && empty < 200) {
                    var t = repo.claim(owner, ALL, clock.instant(), LEASE);
                    if (t.isEmpty()) {
                        empty++;
                        continue;
                    }
                    claims.computeIfAbsent(t.get().taskId(), k -> new AtomicInteger()).incrementAndGet();
                    total.incrementAndGet();
                    mine++;
                }
                return mine;
            }));
        }
        List<Integer> perThread = new ArrayList<>();
        for (Future<Integer> f : results) {
            perThread.add(f.get(120, TimeUnit.SECONDS));
        }
        long ms = (System.nanoTime() - began) / 1_000_000;
        pool.shutdown();
        assertEquals(ids.size(), claims.size(), "every task claimed");
        assertTrue(claims.values().stream().allMatch(n -> n.get() == 1), "no task claimed twice");
        assertTrue(perThread.stream().filter(n -> n > 0).count() >= 2, "claims spread over claimers: " + perThread);
        System.out.printf("claimed %d tasks with %d threads on 2 nodes in %d ms (%.0f claims/s), per thread %s%n",
                ids.size(), threads, ms, ids.size() * 1000.0 / Math.max(1, ms), perThread);
        TaskRepository repo = new TaskRepository(a.sql());
        for (long id : ids) {
            Task t = repo.find(id).orElseThrow();
            assertEquals(TaskState.RUNNING, t.state());
            assertEquals(1, t.attempt());
            assertEquals(1, t.version());
        }
    }

    @Test
    void a_task_is_claimable_only_once_due_and_only_by_a_worker_with_a_handler_for_its_kind() {
        Platform p = platform("due");
        TaskRepository repo = new TaskRepository(p.sql());
        long id = insertReady(repo, p, 1).get(0);
        assertTrue(repo.claim("w", EnumSet.of(TaskKind.PROBE), clock.instant(), LEASE).isEmpty(), "wrong kind");
        Task claimed = repo.claim("w", ALL, clock.instant(), LEASE).orElseThrow();
        assertEquals(id, claimed.taskId());
        assertEquals(clock.instant().plus(LEASE), claimed.leaseExpiresAt());
        assertTrue(repo.claim("w2", ALL, clock.instant(), LEASE).isEmpty(), "RUNNING is not claimable");

        Instant now = clock.instant();
        assertEquals(1, inTx(p, c -> repo.requeue(c, Fence.holder(claimed), now.plusSeconds(5), "ERROR: x", now)));
        assertTrue(repo.claim("w2", ALL, clock.instant(), LEASE).isEmpty(), "not due before next_run_at");
        clock.advance(Duration.ofSeconds(5));
        Task again = repo.claim("w2", ALL, clock.instant(), LEASE).orElseThrow();
        assertEquals(2, again.attempt());
        assertEquals(claimed.version() + 2, again.version(), "the retry and the claim each bump the version");
        assertEquals("ERROR: x", again.lastError());
    }

    @Test
    void heartbeats_and_completion_with_an_old_version_change_nothing() {
        Platform p = platform("fence");
        TaskRepository repo = new TaskRepository(p.sql());
        insertReady(repo, p, 1);
        Task first = repo.claim("w1", ALL, clock.instant(), LEASE).orElseThrow();
        Instant now = clock.instant();
        // The lease lapses and the task is requeued: first's claim is stale from here on.
        clock.advance(LEASE.plusSeconds(1));
        assertEquals(1, inTx(p, c -> repo.requeue(c, Fence.leaseExpired(first, clock.instant()),
                clock.instant(), "LEASE_EXPIRED", clock.instant())));
        Task second = repo.claim("w2", ALL, clock.instant(), LEASE).orElseThrow();

        assertFalse(repo.heartbeat(first, 0.5, true, clock.instant(), LEASE), "stale heartbeat");
        assertEquals(0, inTx(p, c -> repo.markDone(c, Fence.holder(first), "{}", now)), "stale completion");
        assertTrue(repo.heartbeat(second, 0.5, true, clock.instant(), LEASE));
        assertEquals(1, inTx(p, c -> repo.markDone(c, Fence.holder(second), "{\"ok\":1}", clock.instant())));
        assertEquals(0, inTx(p, c -> repo.markDone(c, Fence.holder(second), "{}", clock.instant())),
                "a claim completes once");
        Task done = repo.find(second.taskId()).orElseThrow();
        assertEquals(TaskState.DONE, done.state());
        assertEquals("{\"ok\":1}", done.resultJson());
    }

    @Test
    void progress_at_moves_only_when_progress_advances() {
        Platform p = platform("progress");
        TaskRepository repo = new TaskRepository(p.sql());
        insertReady(repo, p, 1);
        Task t = repo.claim("w", ALL, clock.instant(), LEASE).orElseThrow();
        Instant claimedAt = clock.instant();
        clock.advance(Duration.ofSeconds(10));
        assertTrue(repo.heartbeat(t, 0, false, clock.instant(), LEASE));
        Task renewed = repo.find(t.taskId()).orElseThrow();
        assertEquals(claimedAt, renewed.progressAt(), "no advance, no progress_at change");
        assertEquals(clock.instant().plus(LEASE), renewed.leaseExpiresAt(), "but the lease is renewed");
        clock.advance(Duration.ofSeconds(10));
        assertTrue(repo.heartbeat(t, 0.25, true, clock.instant(), LEASE));
        Task advanced = repo.find(t.taskId()).orElseThrow();
        assertEquals(clock.instant(), advanced.progressAt());
        assertEquals(0.25, advanced.progress());
    }

    @Test
    void the_leader_lease_has_one_holder_until_it_expires_or_is_released() {
        Platform p = platform("lease");
        LeaderLease lease = new LeaderLease(p.sql(), LeaderLease.ORCHESTRATOR);
        Duration ttl = Duration.ofSeconds(10);
        long term = lease.acquire("o1", ttl).orElseThrow();
        assertTrue(lease.acquire("o2", ttl).isEmpty(), "held by o1");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(term, lease.acquire("o1", ttl).orElseThrow(), "renewal keeps the term");
        clock.advance(Duration.ofSeconds(9));
        assertTrue(lease.acquire("o2", ttl).isEmpty(), "renewed 9 s ago: still o1's");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(term + 1, lease.acquire("o2", ttl).orElseThrow(), "expired: o2 takes over");
        assertTrue(lease.acquire("o1", ttl).isEmpty(), "the old leader cannot renew");
        assertTrue(lease.release("o2"));
        assertEquals(term + 2, lease.acquire("o1", ttl).orElseThrow(), "released: taken at once");
    }
}
