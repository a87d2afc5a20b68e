package io.vidforge.worker;

import io.vidforge.events.Events;
import io.vidforge.tasks.TaskEvents;
import io.vidforge.tasks.TaskRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Renews the leases of this worker's running tasks and sends their progress. A renewal that changes no
 * row means the claim is gone (expired and retried, declared stuck, or its generation cancelled): the
 * handler is cancelled at once, since anything it still produces will be rejected. When the database
 * cannot be reached the worker keeps going until its lease has run out by its own clock, then cancels
 * too, because by then the orchestrator may have given the task to someone else.
 */
final class Heartbeats {
    private static final Logger LOG = Logger.getLogger(Heartbeats.class.getName());

    private final TaskRepository tasks;
    private final Duration lease;
    private final Events events;
    private final Clock clock;

    Heartbeats(TaskRepository tasks, Duration lease, Events events, Clock clock) {
        this.tasks = tasks;
        this.lease = lease;
        this.events = events;
        this.clock = clock;
    }

    void beat(Collection<TaskRun> runs) {
        for (TaskRun run : runs) {
            if (!run.cancelled()) {
                beat(run);
            }
        }
    }

    private void beat(TaskRun run) {
        double progress = run.progressValue();
        boolean advanced = progress > run.sentProgress();
        Instant now = clock.instant();
        try {
            if (tasks.heartbeat(run.task(), progress, advanced, now, lease)) {
                run.renewed(now.plus(lease), progress);
            } else {
                lost(run, "claim version " + run.task().version() + " is no longer current (retried, stuck or cancelled)");
            }
        } catch (RuntimeException e) {
            if (!now.isBefore(run.leaseExpiresAt())) {
                lost(run, "lease ran out while the database was unreachable: " + e.getMessage());
            } else {
                LOG.log(Level.WARNING, "heartbeat of task " + run.task().taskId() + " failed; lease valid for "
                        + (run.leaseExpiresAt().toEpochMilli() - now.toEpochMilli()) + " ms more: " + e.getMessage());
            }
        }
    }

    private void lost(TaskRun run, String reason) {
        if (run.isReporting()) {
            return; // the outcome is being reported: a completion bumps the version, a rejection is logged there
        }
        if (run.cancel()) {
            TaskEvents.of(events, "TASK_HEARTBEAT_LOST", run.task()).with("version", run.task().version())
                    .with("reason", reason).emit();
        }
    }
}
