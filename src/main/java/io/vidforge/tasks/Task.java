package io.vidforge.tasks;

/**
 * One row of the tasks table. {@code version} is the fencing token: every claim, retry and expiry bumps
 * it, and heartbeats and completion must present the version they were given. {@code variant} is the
 * rung name for TRANSCODE and "" otherwise. Times are epoch milliseconds.
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
        long leaseExpiresAt,
        long nextRunAt,
        double progress,
        long progressAt,
        String lastError,
        String resultJson) {
}
