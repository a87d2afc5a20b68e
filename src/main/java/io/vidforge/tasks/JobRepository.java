package io.vidforge.tasks;

import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * The jobs table: one row per video generation, inserted PENDING in the transaction that makes the video
 * {@code uploaded} (VideoRepository calls {@link #insertPending}). Every transaction
 * that changes more than one row of a generation takes the job row's lock first, so those transactions
 * queue on one row in one order instead of deadlocking over tasks and videos.
 */
public final class JobRepository implements VideoRepository.NewJobs {
    public record Job(String videoId, int generation, JobState state) {
    }

    /** Runs inside every transaction that creates a job, so the orchestrators hear of it at commit. */
    public interface JobCreatedHook {
        void jobCreated(Connection c) throws SQLException;
    }

    private final Sql sql;
    private final JobCreatedHook onJobCreated;

    public JobRepository(Sql sql) {
        this(sql, c -> { });
    }

    public JobRepository(Sql sql, JobCreatedHook onJobCreated) {
        this.sql = sql;
        this.onJobCreated = onJobCreated;
    }

    @Override
    public void insertPending(Connection c, String videoId, int generation, String reason, long now)
            throws SQLException {
        Sql.update(c, "INSERT INTO jobs (video_id, generation, state, reason, created_at, updated_at)"
                + " VALUES (?, ?, 'PENDING', ?, ?, ?)", videoId, generation, reason, now, now);
        onJobCreated.jobCreated(c);
    }

    /** Jobs of a video, one per generation it was processed in. */
    public int count(String videoId) {
        return sql.queryOne("SELECT COUNT(*) FROM jobs WHERE video_id = ?", rs -> rs.getInt(1), videoId).orElse(0);
    }

    /** Oldest first, so a backlog is worked off in upload order. */
    public List<Job> inState(JobState state, int limit) {
        return sql.query("SELECT video_id, generation, state FROM jobs WHERE state = ? ORDER BY created_at, video_id LIMIT ?",
                rs -> new Job(rs.getString(1), rs.getInt(2), JobState.valueOf(rs.getString(3))), state, limit);
    }

    public List<Job> ofVideo(String videoId) {
        return sql.query("SELECT video_id, generation, state FROM jobs WHERE video_id = ? ORDER BY generation",
                rs -> new Job(rs.getString(1), rs.getInt(2), JobState.valueOf(rs.getString(3))), videoId);
    }

    /** Locks the job row for the rest of the transaction (see the class comment). */
    public void lock(Connection c, String videoId, int generation) throws SQLException {
        Sql.query(c, "SELECT state FROM jobs WHERE video_id = ? AND generation = ? FOR UPDATE", rs -> rs.getString(1),
                videoId, generation);
    }

    /** Moves the job from {@code from} to {@code to}; true when this call made the change. */
    public boolean transition(Connection c, String videoId, int generation, JobState from, JobState to, Instant now)
            throws SQLException {
        return Sql.update(c, "UPDATE jobs SET state = ?, updated_at = ? WHERE video_id = ? AND generation = ? AND state = ?",
                to, now.toEpochMilli(), videoId, generation, from) == 1;
    }

    /** Ends a job that is not finished yet (PENDING or PLANNED) as FAILED. */
    public boolean fail(Connection c, String videoId, int generation, Instant now) throws SQLException {
        return Sql.update(c, "UPDATE jobs SET state = 'FAILED', updated_at = ? WHERE video_id = ? AND generation = ?"
                + " AND state IN ('PENDING', 'PLANNED')", now.toEpochMilli(), videoId, generation) == 1;
    }
}
