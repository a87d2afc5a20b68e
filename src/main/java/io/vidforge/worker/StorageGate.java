package io.vidforge.worker;

import io.vidforge.events.Events;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Keeps a worker from claiming while its object store is unreachable. Every task needs the store (to
 * read the source or to write results), so during an outage a claim can only fail; without the gate
 * the queue would spin through claims and retries for as long as the outage lasts. An attempt that
 * failed on an unreachable store closes the gate (WORKER_PAUSED); each poll then probes the store, at
 * most once per {@link #PROBE_INTERVAL}, and the first answer opens it (WORKER_RESUMED) so work goes on
 * within about a second of the store's return.
 */
final class StorageGate {
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

    private final BooleanSupplier reachable;
    private final Events events;
    private final Clock clock;
    private String pausedFor;
    private long pausedAt;
    private long nextProbe;

    StorageGate(BooleanSupplier reachable, Events events, Clock clock) {
        this.reachable = reachable;
        this.events = events;
        this.clock = clock;
    }

    /** Asks the store now (not rate-limited): whether a storage error was an outage or the task's own. */
    boolean storeReachable() {
        try {
            return reachable.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Stops claiming until the store answers again; logs WORKER_PAUSED once per outage. */
    synchronized void pause(String reason) {
        if (pausedFor != null) {
            return;
        }
        pausedFor = reason;
        pausedAt = clock.millis();
        nextProbe = System.nanoTime() + PROBE_INTERVAL.toNanos();
        events.event("WORKER_PAUSED").with("dependency", "storage").with("reason", reason).emit();
    }

    /** True when the worker may claim; while paused, probes the store at most once per interval. */
    synchronized boolean open() {
        if (pausedFor == null) {
            return true;
        }
        long now = System.nanoTime();
        if (now - nextProbe < 0) {
            return false;
        }
        nextProbe = now + PROBE_INTERVAL.toNanos();
        if (!storeReachable()) {
            return false;
        }
        events.event("WORKER_RESUMED").with("dependency", "storage").with("paused_ms", clock.millis() - pausedAt)
                .with("paused_for", pausedFor).emit();
        pausedFor = null;
        return true;
    }

    synchronized boolean paused() {
        return pausedFor != null;
    }
}
