package io.vidforge.tasks;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Ends a generation that is not to finish (its video was deleted, or is restarted with new bytes): locks
 * the job row first (the order every multi-row transaction of a generation keeps), fails every
 * unfinished task, which bumps their versions (so the running worker's next heartbeat fails and it stops
 * its ffmpeg, and its completion or publish is rejected) and fails the job.
 */
final class GenerationStop {
    private GenerationStop() {
    }

    static void stop(Connection c, TaskRepository tasks, JobRepository jobs, String videoId, int generation,
                     String reason, Instant now) throws SQLException {
        jobs.lock(c, videoId, generation);
        tasks.cancelGeneration(c, videoId, generation, "CANCELLED: " + reason, now);
        jobs.fail(c, videoId, generation, now);
    }
}
