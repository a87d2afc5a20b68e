package io.vidforge.tasks;

import io.vidforge.config.Settings;
import java.time.Duration;

/**
 * The timings and limits of orchestration, read once from {@link Settings}. Validated together because
 * they only make sense relative to each other: a heartbeat slower than the lease would lose every lease.
 */
public record TaskSettings(
        Duration lease,
        Duration heartbeat,
        Duration stall,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        Duration poll,
        Duration leaderLease,
        int concurrency,
        Duration workerGrace,
        boolean orchestratorAutostart,
        boolean workerAutostart) {

    public TaskSettings {
        require(!heartbeat.isZero() && heartbeat.compareTo(lease) < 0,
                "HEARTBEAT_SECONDS must be > 0 and below LEASE_SECONDS");
        require(stall.compareTo(heartbeat) > 0, "STALL_SECONDS must be above HEARTBEAT_SECONDS");
        require(maxAttempts >= 1, "MAX_ATTEMPTS must be at least 1");
        require(!backoffBase.isNegative() && backoffMax.compareTo(backoffBase) >= 0,
                "BACKOFF_BASE_SECONDS must be >= 0 and <= BACKOFF_MAX_SECONDS");
        require(!poll.isZero() && !poll.isNegative(), "POLL_MILLIS must be > 0");
        // The leader renews once per poll; it must get several chances before its lease runs out.
        require(leaderLease.compareTo(poll.multipliedBy(3)) >= 0, "LEADER_LEASE_SECONDS must be >= 3 x POLL_MILLIS");
        require(concurrency >= 1, "WORKER_CONCURRENCY must be at least 1");
    }

    public static TaskSettings from(Settings s) {
        return new TaskSettings(
                s.seconds("LEASE_SECONDS", 30),
                s.seconds("HEARTBEAT_SECONDS", 10),
                s.seconds("STALL_SECONDS", 120),
                s.integer("MAX_ATTEMPTS", 3),
                s.seconds("BACKOFF_BASE_SECONDS", 2),
                s.seconds("BACKOFF_MAX_SECONDS", 60),
                Duration.ofMillis(s.longValue("POLL_MILLIS", 500)),
                s.seconds("LEADER_LEASE_SECONDS", 10),
                s.integer("WORKER_CONCURRENCY", 1),
                s.seconds("WORKER_GRACE_SECONDS", 10),
                s.flag("ORCHESTRATOR_AUTOSTART", true),
                s.flag("WORKER_AUTOSTART", true));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
