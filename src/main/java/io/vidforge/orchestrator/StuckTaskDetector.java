package io.vidforge.orchestrator;

import io.vidforge.events.Events;
import io.vidforge.tasks.Fence;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskEvents;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Finds RUNNING tasks whose worker is gone (lease expired: it stopped heartbeating) or hung (it still
 * heartbeats but its progress has not moved for the stall limit) and sends them down the retry path.
 * The retry bumps the version, so the hung worker's next heartbeat fails and it cancels its handler,
 * and whatever it completes later is rejected.
 */
final class StuckTaskDetector {
    private static final Logger LOG = Logger.getLogger(StuckTaskDetector.class.getName());
    private static final int BATCH = 100;

    private final TaskRepository tasks;
    private final TaskOutcomes outcomes;
    private final Duration stall;
    private final Events events;

    StuckTaskDetector(TaskRepository tasks, TaskOutcomes outcomes, Duration stall, Events events) {
        this.tasks = tasks;
        this.outcomes = outcomes;
        this.stall = stall;
        this.events = events;
    }

    int run() {
        // Leases and progress times are written on the database's clock, so they are judged on it too: an
        // orchestrator whose own clock runs ahead must not expire a lease early.
        Instant now = tasks.databaseNow();
        int handled = 0;
        for (Task t : tasks.leaseExpired(now, BATCH)) {
            long overdue = now.toEpochMilli() - t.leaseExpiresAt().toEpochMilli();
            handled += recover(t, Fence.leaseExpired(t, now), "LEASE_EXPIRED",
                    "LEASE_EXPIRED: " + t.owner() + " stopped renewing its lease " + overdue + " ms ago");
        }
        Instant progressBefore = now.minus(stall);
        for (Task t : tasks.stalled(progressBefore, BATCH)) {
            handled += recover(t, Fence.stalled(t, progressBefore), "TASK_STUCK",
                    "STALLED: no progress from " + t.owner() + " for " + stall.toSeconds() + " s (at "
                            + Math.round(t.progress() * 100) + "%)");
        }
        return handled;
    }

    private int recover(Task t, Fence fence, String event, String reason) {
        try {
            if (outcomes.retry(t, fence, reason, TaskEvents.of(events, event, t).with("owner", t.owner())
                    .with("reason", reason))) {
                return 1;
            }
            // The worker renewed or finished in the meantime: its claim stands.
            return 0;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not recover task " + t.taskId(), e);
            return 0;
        }
    }
}
