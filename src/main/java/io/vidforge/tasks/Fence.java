package io.vidforge.tasks;

import java.time.Instant;

/**
 * Which claim a state change is for, and what must still hold for it to apply. Every change presents
 * the version it saw (the fencing token) and requires RUNNING; the watchdog also requires the very
 * reason it acts on (lease still expired, progress still stale), since heartbeats renew without bumping
 * the version and a worker that renewed in between must keep its task.
 */
public record Fence(long taskId, long version, Guard guard, long threshold) {

    public enum Guard {
        /** The worker that holds the claim reports on it. */
        HOLDER(""),
        /** The lease ran out: nobody renewed it since. */
        LEASE_EXPIRED(" AND lease_expires_at < ?"),
        /** No progress since {@code threshold}: the worker renews but its work does not advance. */
        STALLED(" AND progress_at < ?");

        private final String sql;

        Guard(String sql) {
            this.sql = sql;
        }
    }

    public static Fence holder(Task t) {
        return new Fence(t.taskId(), t.version(), Guard.HOLDER, 0);
    }

    public static Fence leaseExpired(Task t, Instant now) {
        return new Fence(t.taskId(), t.version(), Guard.LEASE_EXPIRED, now.toEpochMilli());
    }

    public static Fence stalled(Task t, Instant progressBefore) {
        return new Fence(t.taskId(), t.version(), Guard.STALLED, progressBefore.toEpochMilli());
    }

    /** The WHERE clause every fenced UPDATE ends with. */
    String where() {
        return " WHERE task_id = ? AND version = ? AND state = 'RUNNING'" + guard.sql;
    }

    /** {@code setArgs} followed by the arguments of {@link #where()}. */
    Object[] args(Object... setArgs) {
        int extra = guard == Guard.HOLDER ? 2 : 3;
        Object[] out = java.util.Arrays.copyOf(setArgs, setArgs.length + extra);
        out[setArgs.length] = taskId;
        out[setArgs.length + 1] = version;
        if (extra == 3) {
            out[setArgs.length + 2] = threshold;
        }
        return out;
    }
}
