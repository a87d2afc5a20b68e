package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.db.Sql;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each guard clause of each guarded statement on its own. A fenced UPDATE requires the task's version,
 * state RUNNING and, for the watchdog, the reason it acts on (lease still expired, progress still stale);
 * most situations are stopped by several clauses at once, so a clause that went missing would go
 * unnoticed. Each test here builds the one situation where that clause alone stands between a stale
 * actor and the row, and fails when the clause is dropped from the SQL (PIT cannot mutate SQL text;
 * docs/testing.md lists how each was checked by removing it). Every test also shows the same statement
 * applying when nothing changed in between, so a guard that always refuses cannot pass either.
 */
@Tag("db")
class TaskFencingTest {
    private static final Set<TaskKind> ALL = EnumSet.allOf(TaskKind.class);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final ManualClock clock = ManualClock.startingNow();
    private Platform p;
    private TaskRepository repo;

    @BeforeEach
    void setUp() {
        Map<String, String> env = TestNodes.environment("fencing-clauses");
        p = Platform.open(Settings.of(env).with(Map.of("NODE_ID", "fence")), "fence", clock);
        repo = new TaskRepository(p.sql());
    }

    @AfterEach
    void tearDown() {
        p.close();
    }

    private Task insert(String videoId, int generation, TaskKind kind, String variant, TaskState state) {
        return p.sql().inTransaction(c -> repo.insert(c, videoId, generation, kind, variant, state, 3, clock.instant()));
    }

    private Task claim(String owner) {
        return repo.claim(owner, ALL, clock.instant(), LEASE).orElseThrow();
    }

    private int requeue(Fence f) {
        Instant now = clock.instant();
        return p.sql().inTransaction(c -> repo.requeue(c, f, now, "LEASE_EXPIRED", now));
    }

    private int markDone(Fence f) {
        Instant now = clock.instant();
        return p.sql().inTransaction(c -> repo.markDone(c, f, "{}", now));
    }

    private int markFailed(Fence f) {
        Instant now = clock.instant();
        return p.sql().inTransaction(c -> repo.markFailed(c, f, "ERROR: stale", now));
    }

    private int count(Sql.Work<Integer> work) {
        return p.sql().inTransaction(work);
    }

    private boolean changed(Sql.Work<Boolean> work) {
        return p.sql().inTransaction(work);
    }

    private Task row(Task t) {
        return repo.find(t.taskId()).orElseThrow();
    }

    /**
     * Worker 1's claim lapses, the task is requeued and claimed again by worker 2: RUNNING once more, so
     * the state clause lets worker 1 through, and only {@code version = ?} tells the two claims apart.
     * The watchdog's fences too: with worker 2's lease also run out, a watchdog that read worker 1's
     * claim is stopped by nothing but the version.
     */
    @Test
    void a_stale_claim_is_rejected_by_its_version_alone_while_the_task_runs_again() {
        insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task first = claim("worker-1");
        clock.advance(LEASE.plusSeconds(1));
        assertEquals(1, requeue(Fence.leaseExpired(first, clock.instant())));
        Task second = claim("worker-2");
        assertEquals(TaskState.RUNNING, second.state());
        assertEquals(first.version() + 2, second.version());

        assertFalse(repo.heartbeat(first, 0.9, true, clock.instant(), LEASE), "stale heartbeat");
        assertEquals(0, markDone(Fence.holder(first)), "stale completion");
        assertEquals(0, requeue(Fence.holder(first)), "stale retry");
        assertEquals(0, markFailed(Fence.holder(first)), "stale failure");
        clock.advance(LEASE.plusSeconds(1)); // worker 2's lease has run out as well: the lease clause passes
        assertEquals(0, requeue(Fence.leaseExpired(first, clock.instant())), "a watchdog acting on the old claim");
        assertEquals(0, requeue(Fence.stalled(first, clock.instant())), "a watchdog acting on the old claim");
        Task now = row(second);
        assertEquals(second.version(), now.version(), "worker 2's claim is untouched");
        assertEquals(TaskState.RUNNING, now.state());
        assertEquals("worker-2", now.owner());
        assertEquals(second.progressAt(), now.progressAt(), "no stale progress recorded");

        assertEquals(1, markDone(Fence.holder(second)), "the current claim still completes");
    }

    /**
     * A fence that carries the row's current version but finds it not RUNNING (a task never claimed,
     * still at the version it was inserted with) changes nothing: only {@code state = 'RUNNING'} stops it.
     */
    @Test
    void a_fence_on_a_task_that_is_not_running_changes_nothing_even_at_its_version() {
        Task ready = insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task waiting = insert("v1", 1, TaskKind.PUBLISH, "", TaskState.WAITING);
        for (Task t : List.of(ready, waiting)) {
            assertEquals(t.version(), row(t).version(), "the fence carries the row's own version");
            assertFalse(repo.heartbeat(t, 0.5, true, clock.instant(), LEASE), t.state() + ": heartbeat");
            assertEquals(0, markDone(Fence.holder(t)), t.state() + ": completion");
            assertEquals(0, requeue(Fence.holder(t)), t.state() + ": retry");
            assertEquals(0, markFailed(Fence.holder(t)), t.state() + ": failure");
            assertEquals(0, requeue(Fence.leaseExpired(t, clock.instant().plusMillis(1))), t.state() + ": watchdog");
            assertEquals(t.state(), row(t).state());
            assertEquals(t.version(), row(t).version());
        }
        Task claimed = claim("worker-1");
        assertEquals(1, markDone(Fence.holder(claimed)), "the same statement applies to a RUNNING claim");
    }

    /**
     * The watchdog saw the lease expired, but the worker renewed it before the requeue ran. A heartbeat
     * does not bump the version (the claim is the same), so {@code lease_expires_at < ?} alone keeps the
     * renewed task with its worker.
     */
    @Test
    void the_watchdog_cannot_requeue_a_task_whose_worker_renewed_its_lease_in_between() {
        insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task claimed = claim("worker-1");
        clock.advance(LEASE.plusSeconds(1));
        List<Task> expired = repo.leaseExpired(clock.instant(), 10);
        assertEquals(1, expired.size());
        Fence fence = Fence.leaseExpired(expired.get(0), clock.instant());

        assertTrue(repo.heartbeat(claimed, 0.5, true, clock.instant(), LEASE), "the late heartbeat renews");
        assertEquals(0, requeue(fence), "the watchdog's requeue finds the lease renewed");
        Task kept = row(claimed);
        assertEquals(TaskState.RUNNING, kept.state());
        assertEquals(claimed.version(), kept.version());
        assertEquals("worker-1", kept.owner());

        clock.advance(LEASE.plusSeconds(1));
        assertEquals(1, requeue(Fence.leaseExpired(kept, clock.instant())), "once it lapses again it is requeued");
    }

    /**
     * The watchdog saw no progress for the stall limit, but the worker reported progress before the
     * requeue ran. Same version, RUNNING, lease fresh: {@code progress_at < ?} alone keeps the task.
     */
    @Test
    void the_watchdog_cannot_requeue_a_stalled_task_whose_progress_advanced_in_between() {
        Duration stall = Duration.ofSeconds(120);
        insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task claimed = claim("worker-1");
        for (int i = 0; i < 13; i++) { // renewing, but without progress, for 130 s
            clock.advance(Duration.ofSeconds(10));
            assertTrue(repo.heartbeat(claimed, 0, false, clock.instant(), LEASE));
        }
        Instant progressBefore = clock.instant().minus(stall);
        List<Task> stalled = repo.stalled(clock.instant().minus(stall), 10);
        assertEquals(1, stalled.size());
        Fence fence = Fence.stalled(stalled.get(0), progressBefore);

        assertTrue(repo.heartbeat(claimed, 0.4, true, clock.instant(), LEASE), "progress arrives");
        assertEquals(0, requeue(fence), "the watchdog's requeue finds progress");
        assertEquals(TaskState.RUNNING, row(claimed).state());
        assertEquals(claimed.version(), row(claimed).version());

        assertEquals(1, requeue(Fence.stalled(row(claimed), clock.instant().plusMillis(1))), "a fence whose reason holds applies");
    }

    /** A claim changes only a READY row that is due; a RUNNING or future row is not claimable. */
    @Test
    void only_a_ready_task_that_is_due_can_be_claimed() {
        Task waiting = insert("v1", 1, TaskKind.PUBLISH, "", TaskState.WAITING);
        assertTrue(repo.claim("w", ALL, clock.instant(), LEASE).isEmpty(), "WAITING is not claimable");
        insert("v2", 1, TaskKind.PROBE, "", TaskState.READY);
        Task running = claim("w");
        assertTrue(repo.claim("w2", ALL, clock.instant(), LEASE).isEmpty(), "RUNNING is not claimable");
        Instant now = clock.instant();
        assertEquals(1, count(c -> repo.requeue(c, Fence.holder(running), now.plusMillis(1000), "x", now)));
        assertTrue(repo.claim("w2", ALL, clock.instant(), LEASE).isEmpty(), "not before next_run_at");
        assertEquals(TaskState.WAITING, row(waiting).state());
    }

    /**
     * Failing a generation cancels its unfinished tasks and nothing else: a DONE task of the generation
     * keeps its result ({@code state IN (...)} alone), the next generation of the same video and other
     * videos keep theirs ({@code generation = ?} and {@code video_id = ?} alone).
     */
    @Test
    void failing_a_generation_cancels_only_its_own_unfinished_tasks() {
        Task probe = insert("v1", 1, TaskKind.PROBE, "", TaskState.READY);
        Task claimedProbe = claim("w");
        assertEquals(probe.taskId(), claimedProbe.taskId());
        assertEquals(1, markDone(Fence.holder(claimedProbe)));
        Task transcode = insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task publish = insert("v1", 1, TaskKind.PUBLISH, "", TaskState.WAITING);
        Task nextGeneration = insert("v1", 2, TaskKind.PROBE, "", TaskState.READY);
        Task otherVideo = insert("v2", 1, TaskKind.PROBE, "", TaskState.READY);

        Instant now = clock.instant();
        assertEquals(2, count(c -> repo.cancelGeneration(c, "v1", 1, "CANCELLED: test", now)));
        assertEquals(TaskState.DONE, row(probe).state());
        assertEquals("{}", row(probe).resultJson());
        for (Task t : List.of(transcode, publish)) {
            assertEquals(TaskState.FAILED, row(t).state());
            assertEquals(t.version() + 1, row(t).version(), "running workers' heartbeats fail");
            assertEquals("CANCELLED: test", row(t).lastError());
        }
        assertEquals(TaskState.READY, row(nextGeneration).state());
        assertEquals(TaskState.READY, row(otherVideo).state());
    }

    /** WAITING → READY happens once; a task already READY (at its own version) is not promoted. */
    @Test
    void only_a_waiting_task_is_promoted_and_only_once() {
        Task waiting = insert("v1", 1, TaskKind.PUBLISH, "", TaskState.WAITING);
        Task ready = insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Instant now = clock.instant();
        assertEquals(0, count(c -> repo.promote(c, ready, now)), "READY is not WAITING");
        assertEquals(ready.version(), row(ready).version());
        assertEquals(1, count(c -> repo.promote(c, waiting, now)));
        assertEquals(0, count(c -> repo.promote(c, waiting, now)), "a second promote");
        assertEquals(TaskState.READY, row(waiting).state());
        assertEquals(waiting.version() + 1, row(waiting).version());
    }

    /** The job row moves from a state once; a finished job is never failed afterwards. */
    @Test
    void a_job_changes_state_once_and_a_finished_job_cannot_be_failed() {
        String video = TestVideos.insert(p);
        JobRepository jobs = new JobRepository(p.sql());
        Instant now = clock.instant();
        assertTrue(changed(c -> jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now)));
        assertFalse(changed(c -> jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now)),
                "a second leader's start");
        assertFalse(changed(c -> jobs.transition(c, video, 2, JobState.PLANNED, JobState.DONE, now)),
                "another generation's job does not exist");
        assertTrue(changed(c -> jobs.transition(c, video, 1, JobState.PLANNED, JobState.DONE, now)));
        assertFalse(changed(c -> jobs.fail(c, video, 1, now)), "DONE stays DONE");
        assertEquals(List.of(new JobRepository.Job(video, 1, JobState.DONE)), jobs.ofVideo(video));
    }

    /**
     * The leader lease: only its holder renews before expiry ({@code owner = ?}), anyone takes it once
     * expired ({@code expires_at <} the database's clock; here the manual clock stands in for it), and only the holder can give it up.
     */
    @Test
    void only_the_holder_renews_or_releases_the_leader_lease_and_anyone_takes_it_once_expired() {
        LeaderLease lease = new LeaderLease(p.sql(), LeaderLease.ORCHESTRATOR);
        Duration ttl = Duration.ofSeconds(10);
        long term = lease.acquire("o1", ttl).orElseThrow();
        clock.advance(Duration.ofSeconds(5));
        assertEquals(term, lease.acquire("o1", ttl).orElseThrow(), "the holder renews early");
        assertFalse(lease.release("o2"), "another node cannot release it");
        LeaderLease.Holder holder = lease.current().orElseThrow();
        assertEquals("o1", holder.owner());
        assertEquals(clock.millis() + ttl.toMillis(), holder.expiresAt(), "o2's release changed nothing");
        assertTrue(lease.acquire("o2", ttl).isEmpty());
        clock.advance(ttl.plusMillis(1));
        assertEquals(term + 1, lease.acquire("o2", ttl).orElseThrow(), "expired: taken");
        assertFalse(lease.release("o1"), "the old holder cannot release the new holder's lease");
        assertEquals("o2", lease.current().orElseThrow().owner());
        assertTrue(lease.release("o2"));
    }

    /**
     * An error longer than the column (ffmpeg can print pages) is clipped to its 4000 characters: the retry
     * or failure it belongs to still applies instead of failing on the column's size and leaving the task
     * RUNNING until its lease runs out.
     */
    @Test
    void an_error_longer_than_its_column_is_clipped_and_the_retry_and_failure_still_apply() {
        String longError = "ERROR: " + "x".repeat(5000);
        insert("v1", 1, TaskKind.TRANSCODE, "", TaskState.READY);
        Task first = claim("w");
        Instant now = clock.instant();
        assertEquals(1, count(c -> repo.requeue(c, Fence.holder(first), now, longError, now)));
        assertEquals(longError.substring(0, 4000), row(first).lastError());
        Task second = claim("w");
        assertEquals(1, count(c -> repo.markFailed(c, Fence.holder(second), longError, now)));
        assertEquals(TaskState.FAILED, row(second).state());
        assertEquals(longError.substring(0, 4000), row(second).lastError());
    }

    /** The queue gauges' view: how many tasks are in each (state, kind) that has any. */
    @Test
    void the_queue_is_counted_by_state_and_kind() {
        insert("v1", 1, TaskKind.PROBE, "", TaskState.READY);
        insert("v2", 1, TaskKind.PROBE, "", TaskState.READY);
        insert("v2", 1, TaskKind.PUBLISH, "", TaskState.WAITING);
        assertEquals(List.of(new TaskRepository.QueueCount("READY", "PROBE", 2),
                        new TaskRepository.QueueCount("WAITING", "PUBLISH", 1)),
                repo.countByStateAndKind().stream().sorted(java.util.Comparator.comparing(TaskRepository.QueueCount::state))
                        .toList());
    }

    /** The video API's progress view: each task of one generation, how far it got, in which attempt. */
    @Test
    void the_progress_view_shows_each_task_of_the_generation_asked_for() {
        insert("v1", 1, TaskKind.PROBE, "", TaskState.READY);
        insert("v1", 2, TaskKind.VIDEO_CHUNK, "c0001-4s-8s", TaskState.WAITING);
        Task probe = claim("w");
        assertTrue(repo.heartbeat(probe, 0.25, true, clock.instant(), LEASE));
        assertEquals(List.of(new TaskRepository.ProgressView(TaskKind.PROBE, TaskState.RUNNING, 0.25, 1, "")),
                repo.progressOf("v1", 1));
        // The variant names a chunk's range: progress by chunk-seconds needs it.
        assertEquals(List.of(new TaskRepository.ProgressView(TaskKind.VIDEO_CHUNK, TaskState.WAITING, 0.0, 0,
                        "c0001-4s-8s")), repo.progressOf("v1", 2));
        assertEquals(List.of(), repo.progressOf("v2", 1));
    }

    /**
     * A new job calls its hook inside the inserting transaction (the platform's hook sends the NOTIFY
     * that wakes the orchestrators when it commits), and is counted for its video.
     */
    @Test
    void a_new_job_is_announced_inside_its_own_transaction_and_counted() {
        List<java.sql.Connection> announced = new ArrayList<>();
        JobRepository jobs = new JobRepository(p.sql(), announced::add);
        List<java.sql.Connection> inserting = new ArrayList<>();
        p.sql().inTransaction(c -> {
            inserting.add(c);
            jobs.insertPending(c, "v1", 1, "upload", clock.millis());
            return null;
        });
        assertEquals(inserting, announced, "announced once, on the inserting transaction's connection");
        assertEquals(1, jobs.count("v1"));
        assertEquals(0, jobs.count("v2"));
    }
}
