package io.vidforge.worker;

import com.google.common.base.Suppliers;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.vidforge.db.DataAccessException;
import io.vidforge.events.Events;
import io.vidforge.model.Video;
import io.vidforge.tasks.Fence;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskEvents;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TaskStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one claimed attempt: prepares its context, calls the handler, and reports the outcome through
 * the fenced {@link TaskOutcomes}. The database decides whether the report still counts; a rejected one
 * is logged as STALE_COMPLETION_REJECTED and dropped, so what a zombie wrote under its own prefix is
 * never published.
 *
 * <p>A failure is named by {@link AttemptFailure}: an attempt that failed because the object store is
 * unreachable is given back to the queue without using up an attempt, and the worker stops claiming
 * until the store answers ({@link StorageGate}). Before an attempt copies the source, the worker's
 * scratch limit must leave room for it ({@link ScratchQuota}). A report the database cannot take is
 * tried again while the lease lasts, so a short database outage does not throw finished work away.
 */
final class AttemptRunner {
    private static final Logger LOG = Logger.getLogger(AttemptRunner.class.getName());
    /** Pause between two tries of a report while the database is unreachable. */
    private static final Duration REPORT_RETRY = Duration.ofMillis(500);

    private final Map<TaskKind, TaskHandler> handlers;
    private final TaskStore store;
    private final TaskOutcomes outcomes;
    private final Events events;
    private final Path workRoot;
    private final ScratchQuota quota;
    private final StorageGate gate;
    private final Clock clock;
    private final Duration lease;

    AttemptRunner(Map<TaskKind, TaskHandler> handlers, TaskStore store, TaskOutcomes outcomes,
                  Events events, Path workRoot, ScratchQuota quota, StorageGate gate, Clock clock, Duration lease) {
        this.handlers = handlers;
        this.store = store;
        this.outcomes = outcomes;
        this.events = events;
        this.workRoot = workRoot;
        this.quota = quota;
        this.gate = gate;
        this.clock = clock;
        this.lease = lease;
        removeLeftovers(workRoot);
    }

    void run(TaskRun run) {
        Task t = run.task();
        Outcome outcome = attempt(run);
        try {
            report(run, outcome.name(), outcome.fencedChange());
        } catch (IllegalArgumentException e) { // the handler returned an unusable result: a bug, maybe transient
            report(run, "error", () -> outcomes.retry(t, Fence.holder(t), "ERROR: " + AttemptFailure.describe(e)));
        }
    }

    /** How an attempt ended, to be reported: "result", "failure" or "error", and the fenced change that says so. */
    private record Outcome(String name, BooleanSupplier fencedChange) {
    }

    /**
     * Runs the handler and decides the outcome. The attempt's files are gone when this returns, so a
     * report that has to wait for the database does not hold scratch space meanwhile.
     */
    private Outcome attempt(TaskRun run) {
        Task t = run.task();
        Path workDir = null;
        try {
            Video video = store.videos().find(t.videoId()).orElseThrow(() -> new IllegalStateException("video gone"));
            Optional<String> noRoom = t.kind().readsSource() ? quota.refuse(run, video.sizeBytes()) : Optional.empty();
            if (noRoom.isPresent()) {
                return new Outcome("error", () -> outcomes.retry(t, Fence.holder(t), noRoom.get(), ScratchQuota.CODE));
            }
            Files.createDirectories(workRoot);
            workDir = Files.createTempDirectory(workRoot, "task" + t.taskId() + "-a" + t.attempt() + "-");
            run.prepare(video, workDir, Suppliers.memoize(() -> store.tasks().ofGeneration(t.videoId(), t.generation())
                    .stream().filter(s -> s.state() == TaskState.DONE).toList()));
            String result;
            run.handlerStarted();
            try {
                result = handlers.get(t.kind()).handle(run);
            } finally {
                run.handlerEnded();
            }
            return new Outcome("result", () -> outcomes.complete(t, result));
        } catch (PermanentTaskException e) {
            return new Outcome("failure", () -> outcomes.fail(t, Fence.holder(t), e.code(), e.getMessage()));
        } catch (Exception e) { // InterruptedException included: the attempt is over either way
            AttemptFailure failure = AttemptFailure.of(run, e, gate::storeReachable);
            if (!failure.counted()) {
                gate.pause(failure.reason());
            }
            return new Outcome("error", () -> failure.counted()
                    ? outcomes.retry(t, Fence.holder(t), failure.reason(), failure.exhaustedCode())
                    : outcomes.retryUncounted(t, Fence.holder(t), failure.reason()));
        } finally {
            delete(workDir);
        }
    }

    private void report(TaskRun run, String outcome, BooleanSupplier fencedChange) {
        run.reporting();
        long patience = System.nanoTime() + lease.toNanos();
        while (true) {
            if (run.abandoned()) {
                LOG.info("task " + run.task().taskId() + " abandoned at shutdown; its lease will expire and it will be retried");
                return;
            }
            try {
                if (!fencedChange.getAsBoolean()) {
                    TaskEvents.of(events, "STALE_COMPLETION_REJECTED", run.task()).with("outcome", outcome)
                            .with("version", run.task().version()).with("output_prefix", run.outputPrefix()).emit();
                }
                return;
            } catch (DataAccessException e) {
                // While the lease lasts (heartbeats renew it once the database is back) the claim is still
                // ours, and the fence makes a late report harmless; after that the orchestrator retries it.
                long left = Math.min(run.leaseExpiresAt().toEpochMilli() - clock.millis(), (patience - System.nanoTime()) / 1_000_000);
                if (left <= 0) {
                    LOG.log(Level.WARNING, "could not report the " + outcome + " of task " + run.task().taskId()
                            + "; its lease will expire and it will be retried: " + e.getMessage());
                    // The claim is given up, visibly: by now the task may be someone else's.
                    TaskEvents.of(events, "TASK_HEARTBEAT_LOST", run.task()).with("version", run.task().version())
                            .with("reason", "lease ran out while the database was unreachable; the " + outcome
                                    + " is dropped").emit();
                    return;
                }
                LOG.log(Level.WARNING, "could not report the " + outcome + " of task " + run.task().taskId()
                        + " (database unreachable); trying again for up to " + left + " ms: " + e.getMessage());
                try {
                    Thread.sleep(Math.min(REPORT_RETRY.toMillis(), left));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Work directories of a previous process with this node id are garbage once it has restarted. */
    private static void removeLeftovers(Path workRoot) {
        try {
            if (Files.isDirectory(workRoot)) {
                MoreFiles.deleteDirectoryContents(workRoot, RecursiveDeleteOption.ALLOW_INSECURE);
            }
        } catch (IOException e) {
            LOG.warning("could not clean " + workRoot + ": " + e.getMessage());
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove work directory " + dir + ": " + e.getMessage());
        }
    }
}
