package io.vidforge.tasks;

import java.time.Instant;

/**
 * One row of the tasks table. {@code version} is the fencing token: every claim, retry and expiry bumps
 * it, and heartbeats and completion must present the version they were given. {@code variant} is the
 * rung name for TRANSCODE and "" otherwise. A time is null while its column is (no lease outside
 * RUNNING, no progress before the first claim); the database keeps them as epoch milliseconds.
 */
public record Task(
        long taskId,
        String videoId,
        int generation,
        TaskKind kind,
        String variant,
        TaskState state,
        int attempt,
        int maxAttempts,
        long version,
        String owner,
        Instant leaseExpiresAt,
        Instant nextRunAt,
        double progress,
        Instant progressAt,
        String lastError,
        String resultJson) {
}
