package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.events.Events;
import io.vidforge.storage.StorageException;
import io.vidforge.tasks.Backoff;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TaskStore;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One claimed attempt run by {@link AttemptRunner} on its own, against a real task row (H2), without a
 * worker loop: how each way an attempt can end is reported through the fence, what a rejected or
 * unreportable report leaves behind, and that the attempt's files never outlive it. The cluster-level
 * tests (LeaseFencingTest, RetryPolicyTest, ScratchLimitTest, StuckTaskTest) show the same outcomes
 * through whole worker and orchestrator passes.
 */
@Tag("db")
class AttemptRunnerTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final ManualClock clock = ManualClock.startingNow();
    private final AtomicBoolean storeUp = new AtomicBoolean(true);
    private final AtomicReference<Behaviour> handler = new AtomicReference<>();
    private Platform platform;
    private TaskSignals signals;
    private TaskStore store;
    private Events events;
    private StorageGate gate;
    private Path workRoot;
    private String videoId;

    /** What the test's handler does with its attempt. */
    private interface Behaviour {
        String handle(TaskContext ctx) throws Exception;
    }

    @BeforeEach
    void setUp() throws Exception {
        platform = Platform.open(Settings.of(TestNodes.environment("attempts")).with(Map.of("NODE_ID", "w1",
                "MAX_ATTEMPTS", "3")), "w1", clock);
        signals = TaskSignals.acquire(platform);
        store = TaskStore.of(platform, signals);
        events = platform.events(Role.WORKER);
        gate = new StorageGate(storeUp::get, events, clock);
        workRoot = Files.createTempDirectory("vidforge-attempts");
        videoId = TestVideos.insert(platform);
    }

    @AfterEach
    void tearDown() {
        signals.close();
        platform.close();
    }

    private AttemptRunner runner(long scratchLimit, Duration patience) {
        TaskHandler byTest = new TaskHandler() {
            @Override
            public TaskKind kind() {
                return TaskKind.TRANSCODE;
            }

            @Override
            public String handle(TaskContext ctx) throws Exception {
                return handler.get().handle(ctx);
            }
        };
        Map<TaskKind, TaskHandler> handlers = Map.of(TaskKind.TRANSCODE, byTest, TaskKind.PROBE, byTest,
                TaskKind.PUBLISH, byTest);
        TaskOutcomes outcomes = new TaskOutcomes(store, Backoff.of(TaskSettings.from(platform.settings())), events, clock);
        return new AttemptRunner(handlers, store, outcomes, events, workRoot,
                new ScratchQuota(workRoot, scratchLimit, "w1", events), gate, clock, patience);
    }

    private AttemptRunner runner() {
        return runner(1L << 30, LEASE);
    }

    /** A claimed attempt of a new task of {@code kind}, its lease ending (by this worker's clock) at {@code leaseEnd}. */
    private TaskRun claim(TaskKind kind, String variant, Instant leaseEnd) {
        platform.sql().inTransaction(c -> store.tasks().insert(c, videoId, 1, kind, variant, TaskState.READY, 3,
                clock.instant().minusSeconds(1)));
        Task t = store.tasks().claim("w1", Set.of(kind), clock.instant(), LEASE).orElseThrow();
        return new TaskRun(t, leaseEnd);
    }

    private TaskRun claim() {
        return claim(TaskKind.TRANSCODE, "360p", clock.instant().plus(LEASE));
    }

    private Task row(TaskRun run) {
        return store.tasks().ofGeneration(videoId, 1).stream().filter(t -> t.taskId() == run.task().taskId())
                .findFirst().orElseThrow();
    }

    private List<JsonNode> events(String name) {
        return EventLogs.events(platform.settings().logDir(), name, e -> videoId.equals(e.path("video_id").asText()));
    }

    /** Moves the tasks table out of the way: every statement on it fails, as in a database outage. */
    private void tasksTableGone(boolean gone) {
        platform.sql().update(gone ? "ALTER TABLE tasks RENAME TO tasks_away" : "ALTER TABLE tasks_away RENAME TO tasks");
    }

    @Test
    void a_result_is_committed_through_the_fence_and_the_attempts_work_directory_is_gone_once_it_ends() throws Exception {
        AttemptRunner runner = runner();
        AtomicReference<Path> seen = new AtomicReference<>();
        handler.set(ctx -> {
            seen.set(ctx.workDir());
            Files.writeString(ctx.workDir().resolve("partial.mp4"), "bytes");
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();

        runner.run(run);

        Task done = row(run);
        assertEquals(TaskState.DONE, done.state());
        assertEquals("{\"name\":\"360p\"}", done.resultJson());
        assertNotNull(seen.get());
        assertTrue(seen.get().startsWith(workRoot), seen.get().toString());
        assertFalse(Files.exists(seen.get()), "the attempt's work directory is removed");
        assertTrue(run.isReporting());
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"));
    }

    @Test
    void a_result_the_fence_rejects_is_logged_as_stale_with_its_outcome_version_and_prefix_and_changes_nothing() {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            // Meanwhile the lease ran out and the task was claimed again: the row's version moved on.
            platform.sql().update("UPDATE tasks SET version = version + 1 WHERE task_id = ?", ctx.task().taskId());
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();

        runner.run(run);

        assertEquals(TaskState.RUNNING, row(run).state(), "the zombie's result changed nothing");
        assertEquals(run.task().version() + 1, row(run).version());
        List<JsonNode> stale = events("STALE_COMPLETION_REJECTED");
        assertEquals(1, stale.size());
        assertEquals("result", stale.getFirst().path("outcome").asText());
        assertEquals(run.task().version(), stale.getFirst().path("version").asLong());
        assertEquals(run.outputPrefix(), stale.getFirst().path("output_prefix").asText());
    }

    @Test
    void every_kind_of_outcome_from_a_claim_that_is_no_longer_current_is_rejected_and_logged_stale_with_its_name() {
        record Case(String outcome, TaskKind kind, long scratchLimit, Behaviour behaviour) {
        }
        List<Case> cases = List.of(
                new Case("result", TaskKind.TRANSCODE, 1L << 30, ctx -> "{\"name\":\"360p\"}"),
                new Case("failure", TaskKind.TRANSCODE, 1L << 30, ctx -> {
                    throw new PermanentTaskException("INVALID_MEDIA", "no video stream");
                }),
                new Case("error", TaskKind.TRANSCODE, 1L << 30, ctx -> {
                    throw new IllegalStateException("ffmpeg exited with 1");
                }),
                new Case("error", TaskKind.PROBE, 1L << 30, ctx -> "{}"), // a result the outcome cannot use
                new Case("error", TaskKind.TRANSCODE, 100, ctx -> "{}")); // no room for the source
        for (Case c : cases) {
            handler.set(c.behaviour());
            TaskRun run = claim(c.kind(), c.kind() == TaskKind.PROBE ? "" : "v" + c.scratchLimit() + c.outcome(),
                    clock.instant().plus(LEASE));
            // The lease ran out and the task was claimed again before this attempt reports.
            platform.sql().update("UPDATE tasks SET version = version + 1 WHERE task_id = ?", run.task().taskId());

            runner(c.scratchLimit(), LEASE).run(run);

            assertEquals(TaskState.RUNNING, row(run).state(), c.toString());
            List<JsonNode> stale = events("STALE_COMPLETION_REJECTED").stream()
                    .filter(e -> e.path("task_id").asLong() == run.task().taskId()).toList();
            assertEquals(1, stale.size(), c.toString());
            assertEquals(c.outcome(), stale.getFirst().path("outcome").asText(), c.toString());
        }
    }

    @Test
    void the_handler_sees_only_the_done_tasks_of_its_own_generation_as_completed_siblings() {
        AttemptRunner runner = runner();
        Task done = platform.sql().inTransaction(c -> {
            store.tasks().insert(c, videoId, 1, TaskKind.TRANSCODE, "240p", TaskState.READY, 3, clock.instant());
            return store.tasks().insert(c, videoId, 1, TaskKind.TRANSCODE, "480p", TaskState.READY, 3, clock.instant());
        });
        platform.sql().update("UPDATE tasks SET state = 'DONE' WHERE task_id = ?", done.taskId());
        AtomicReference<List<Task>> seen = new AtomicReference<>();
        handler.set(ctx -> {
            seen.set(ctx.completedSiblings());
            return "{\"name\":\"360p\"}";
        });

        runner.run(claim());

        assertEquals(List.of(done.taskId()), seen.get().stream().map(Task::taskId).toList(),
                "the DONE task only: not the READY 240p task, nor the running attempt itself");
    }

    @Test
    void a_publish_reads_no_source_so_the_scratch_limit_does_not_hold_it_back() {
        AttemptRunner runner = runner(100, LEASE); // smaller than the 1000-byte source
        TaskRun run = claim(TaskKind.PUBLISH, "", clock.instant().plus(LEASE));
        AtomicBoolean ran = new AtomicBoolean();
        handler.set(ctx -> {
            ran.set(true);
            throw new IllegalStateException("publish ran");
        });

        runner.run(run);

        assertTrue(ran.get(), "the publish ran although its source would not fit");
        assertFalse(events("TASK_RETRY").getFirst().path("reason").asText().startsWith(ScratchQuota.CODE));
    }

    @Test
    void a_cancel_interrupts_a_handler_blocked_in_a_wait_and_the_attempt_ends_as_a_retry() throws Exception {
        AttemptRunner runner = runner();
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        handler.set(ctx -> {
            waiting.countDown();
            try {
                new CountDownLatch(1).await(20, TimeUnit.SECONDS);
                return "{\"name\":\"360p\"}";
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
        });
        TaskRun run = claim();
        Thread worker = Thread.ofPlatform().start(() -> runner.run(run));
        assertTrue(waiting.await(20, TimeUnit.SECONDS));

        assertTrue(run.cancel());
        worker.join(30_000);

        assertTrue(interrupted.get(), "the blocked handler was interrupted");
        assertEquals(TaskState.READY, row(run).state());
        assertTrue(events("TASK_RETRY").getFirst().path("reason").asText().startsWith("ERROR: InterruptedException"));
    }

    @Test
    void a_cancel_that_races_with_the_handlers_end_does_not_break_the_report() {
        AttemptRunner runner = runner();
        AtomicReference<TaskRun> self = new AtomicReference<>();
        handler.set(ctx -> {
            self.get().cancel(); // interrupts this very thread, which returns its result regardless
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();
        self.set(run);
        boolean leftInterrupted;
        try {
            runner.run(run);
        } finally {
            leftInterrupted = Thread.interrupted();
        }

        assertEquals(TaskState.DONE, row(run).state(), "the result was reported");
        assertFalse(leftInterrupted, "the worker's thread is not left interrupted");
    }

    @Test
    void a_result_the_outcome_cannot_use_is_retried_as_a_counted_error_naming_why() {
        AttemptRunner runner = runner();
        handler.set(ctx -> "{}"); // a PROBE result without a source
        TaskRun run = claim(TaskKind.PROBE, "", clock.instant().plus(LEASE));

        runner.run(run);

        Task t = row(run);
        assertEquals(TaskState.READY, t.state());
        assertEquals(1, t.attempt(), "the attempt is used up");
        JsonNode retry = events("TASK_RETRY").getFirst();
        assertTrue(retry.path("reason").asText().startsWith("ERROR: IllegalArgumentException: PROBE handler returned"),
                retry.toString());
        assertTrue(retry.path("counted").asBoolean());
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"), "an accepted retry is not stale");
    }

    @Test
    void a_permanent_failure_fails_the_task_at_once_with_its_code() {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            throw new PermanentTaskException("INVALID_MEDIA", "no video stream");
        });
        TaskRun run = claim();

        runner.run(run);

        assertEquals(TaskState.FAILED, row(run).state());
        JsonNode failed = events("TASK_FAILED").getFirst();
        assertEquals("INVALID_MEDIA", failed.path("code").asText());
        assertEquals(List.of(), events("TASK_RETRY"));
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"), "an accepted failure is not stale");
    }

    @Test
    void a_storage_error_while_the_store_is_down_pauses_the_worker_and_uses_up_no_attempt() {
        AttemptRunner runner = runner();
        storeUp.set(false);
        handler.set(ctx -> {
            throw new StorageException("upload failed", new ConnectException("Connection refused"), false);
        });
        TaskRun run = claim();

        runner.run(run);

        assertTrue(gate.paused(), "the worker stops claiming until the store answers");
        Task t = row(run);
        assertEquals(TaskState.READY, t.state());
        assertEquals(0, t.attempt(), "an outage says nothing about the task");
        assertFalse(events("TASK_RETRY").getFirst().path("counted").asBoolean());
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"));
    }

    @Test
    void a_failure_of_the_tasks_own_is_a_counted_retry_and_does_not_pause_the_worker() {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            throw new IllegalStateException("ffmpeg exited with 1");
        });
        TaskRun run = claim();

        runner.run(run);

        assertFalse(gate.paused());
        Task t = row(run);
        assertEquals(TaskState.READY, t.state());
        assertEquals(1, t.attempt());
        assertEquals("ERROR: IllegalStateException: ffmpeg exited with 1", events("TASK_RETRY").getFirst().path("reason").asText());
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"));
    }

    @Test
    void a_source_the_scratch_limit_cannot_hold_is_refused_before_the_handler_runs_as_a_counted_retry() throws Exception {
        AttemptRunner runner = runner(100, LEASE); // TestVideos' source is 1000 bytes
        AtomicBoolean ran = new AtomicBoolean();
        handler.set(ctx -> {
            ran.set(true);
            return "{}";
        });
        TaskRun run = claim();

        runner.run(run);

        assertFalse(ran.get(), "the handler never starts");
        assertEquals(TaskState.READY, row(run).state());
        assertTrue(events("TASK_RETRY").getFirst().path("reason").asText().startsWith(ScratchQuota.CODE + ": "));
        try (var left = Files.list(workRoot)) {
            assertEquals(0, left.count(), "no work directory was made");
        }
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"));
    }

    @Test
    void an_attempt_abandoned_at_shutdown_reports_nothing_and_keeps_its_claim_until_the_lease_expires() {
        AttemptRunner runner = runner();
        AtomicReference<TaskRun> self = new AtomicReference<>();
        handler.set(ctx -> {
            self.get().abandon();
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();
        self.set(run);

        runner.run(run);

        Task t = row(run);
        assertEquals(TaskState.RUNNING, t.state());
        assertEquals(run.task().version(), t.version());
        assertEquals(List.of(), events("STALE_COMPLETION_REJECTED"));
    }

    @Test
    void leftovers_of_an_earlier_process_in_the_work_root_are_removed_when_the_runner_starts() throws Exception {
        Path old = Files.createDirectories(workRoot.resolve("task9-a1-123"));
        Files.writeString(old.resolve("seg.m4s"), "old");

        runner();

        assertFalse(Files.exists(old));
        assertTrue(Files.isDirectory(workRoot), "the root itself stays");
    }

    /** Counts and times AttemptRunner's "could not report" warnings: each is one refused report. */
    private static final class Refusals extends Handler implements AutoCloseable {
        final List<Long> at = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.Semaphore seen = new java.util.concurrent.Semaphore(0);
        private final Logger log = Logger.getLogger(AttemptRunner.class.getName());

        Refusals() {
            log.addHandler(this);
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getMessage().startsWith("could not report the")) {
                at.add(System.nanoTime());
                seen.release();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            log.removeHandler(this);
        }
    }

    @Test
    // H2 only (the PostgreSQL pass leaves out the tag h2-only): there the connections that fail during the
    // simulated outage come back unable to see the test's tables at all (the retries then fail on jobs, and
    // the rename back finds no tasks_away), so the outage never ends. The retry loop is the same code on both.
    @Tag("h2-only")
    void a_report_the_database_cannot_take_is_tried_again_every_half_second_while_the_lease_lasts_and_then_counts()
            throws Exception {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            tasksTableGone(true);
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();
        try (Refusals refusals = new Refusals()) {
            Thread back = Thread.ofPlatform().start(() -> {
                try {
                    if (refusals.seen.tryAcquire(2, 20, TimeUnit.SECONDS)) {
                        tasksTableGone(false); // the database is back before the lease runs out
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            runner.run(run);
            back.join(30_000);

            assertTrue(refusals.at.size() >= 2, "refused twice: " + refusals.at.size());
            long gapMs = (refusals.at.get(1) - refusals.at.get(0)) / 1_000_000;
            assertTrue(gapMs >= 400, "the next try waits about 500 ms, not " + gapMs + " ms");
        }
        assertEquals(TaskState.DONE, row(run).state(), "the result counted once the database was back");
        assertEquals(List.of(), events("TASK_HEARTBEAT_LOST"));
    }

    @Test
    void an_interrupt_while_waiting_to_report_again_ends_the_report_and_keeps_the_threads_interrupt() throws Exception {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            tasksTableGone(true);
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim();
        AtomicBoolean keptInterrupt = new AtomicBoolean();
        try (Refusals refusals = new Refusals()) {
            Thread worker = Thread.ofPlatform().start(() -> {
                runner.run(run);
                keptInterrupt.set(Thread.currentThread().isInterrupted());
            });
            assertTrue(refusals.seen.tryAcquire(20, TimeUnit.SECONDS));
            worker.interrupt();
            worker.join(30_000);
            assertFalse(worker.isAlive(), "the report gave up at the interrupt");
        } finally {
            tasksTableGone(false);
        }
        assertTrue(keptInterrupt.get(), "the interrupt is kept for the worker's own shutdown");
        assertEquals(TaskState.RUNNING, row(run).state());
    }

    @Test
    void a_report_still_refused_when_the_lease_has_run_out_is_dropped_visibly_as_heartbeat_lost() {
        AttemptRunner runner = runner();
        handler.set(ctx -> {
            tasksTableGone(true);
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim(TaskKind.TRANSCODE, "360p", clock.instant().minusMillis(1));
        try {
            runner.run(run);
        } finally {
            tasksTableGone(false);
        }

        assertEquals(TaskState.RUNNING, row(run).state());
        JsonNode lost = events("TASK_HEARTBEAT_LOST").getFirst();
        assertEquals(run.task().version(), lost.path("version").asLong());
        assertTrue(lost.path("reason").asText().contains("the result is dropped"), lost.toString());
    }

    @Test
    void a_report_refused_for_longer_than_the_runners_patience_is_dropped_though_the_lease_by_the_clock_lasts() {
        long started = System.nanoTime();
        AttemptRunner runner = runner(1L << 30, Duration.ofMillis(300));
        handler.set(ctx -> {
            tasksTableGone(true);
            return "{\"name\":\"360p\"}";
        });
        TaskRun run = claim(TaskKind.TRANSCODE, "360p", clock.instant().plus(Duration.ofHours(1)));
        try {
            runner.run(run);
        } finally {
            tasksTableGone(false);
        }

        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(1, events("TASK_HEARTBEAT_LOST").size());
        assertTrue(tookMs < 20_000, "gave up after its patience, not the hour the clock allows: " + tookMs + " ms");
    }
}
