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
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one claimed attempt: prepares its context, calls the handler, and reports the outcome through
 * the fenced {@link TaskOutcomes}. The database decides whether the report still counts; a rejected one
 * is logged as STALE_COMPLETION_REJECTED and dropped, so what a zombie wrote under its own prefix is
 * never published.
 */
final class AttemptRunner {
    private static final Logger LOG = Logger.getLogger(AttemptRunner.class.getName());

    private final Map<TaskKind, TaskHandler> handlers;
    private final TaskStore store;
    private final TaskOutcomes outcomes;
    private final Events events;
    private final Path workRoot;

    AttemptRunner(Map<TaskKind, TaskHandler> handlers, TaskStore store, TaskOutcomes outcomes,
                  Events events, Path workRoot) {
        this.handlers = handlers;
        this.store = store;
        this.outcomes = outcomes;
        this.events = events;
        this.workRoot = workRoot;
        removeLeftovers(workRoot);
    }

    void run(TaskRun run) {
        Task t = run.task();
        Path workDir = null;
        String result;
        try {
            Video video = store.videos().find(t.videoId()).orElseThrow(() -> new IllegalStateException("video gone"));
            Files.createDirectories(workRoot);
            workDir = Files.createTempDirectory(workRoot, "task" + t.taskId() + "-a" + t.attempt() + "-");
            run.prepare(video, workDir, Suppliers.memoize(() -> store.tasks().ofGeneration(t.videoId(), t.generation())
                    .stream().filter(s -> s.state() == TaskState.DONE).toList()));
            run.handlerStarted();
            try {
                result = handlers.get(t.kind()).handle(run);
            } finally {
                run.handlerEnded();
            }
        } catch (PermanentTaskException e) {
            report(run, "failure", () -> outcomes.fail(t, Fence.holder(t), e.code(), e.getMessage()));
            return;
        } catch (Exception e) { // InterruptedException included: the attempt is over either way
            report(run, "error", () -> outcomes.retry(t, Fence.holder(t), "ERROR: " + describe(e)));
            return;
        } finally {
            delete(workDir);
        }
        try {
            report(run, "result", () -> outcomes.complete(t, result));
        } catch (IllegalArgumentException e) { // the handler returned an unusable result: a bug, maybe transient
            report(run, "error", () -> outcomes.retry(t, Fence.holder(t), "ERROR: " + describe(e)));
        }
    }

    private void report(TaskRun run, String outcome, BooleanSupplier fencedChange) {
        if (run.abandoned()) {
            LOG.info("task " + run.task().taskId() + " abandoned at shutdown; its lease will expire and it will be retried");
            return;
        }
        try {
            if (!fencedChange.getAsBoolean()) {
                TaskEvents.of(events, "STALE_COMPLETION_REJECTED", run.task()).with("outcome", outcome)
                        .with("version", run.task().version()).with("output_prefix", run.outputPrefix()).emit();
            }
        } catch (DataAccessException e) {
            LOG.log(Level.WARNING, "could not report the " + outcome + " of task " + run.task().taskId()
                    + "; its lease will expire and it will be retried: " + e.getMessage());
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
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
