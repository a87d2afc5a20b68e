package io.vidforge.tasks;

import io.vidforge.db.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * All SQL on the tasks table. State changes take a {@link Fence} (version + state, plus the watchdog's
 * reason) and return the number of rows changed, which callers require to be exactly one; the rest of
 * a cross-table transition lives in {@link TaskOutcomes}.
 */
public final class TaskRepository {
    private static final String COLUMNS = "task_id, video_id, generation, kind, variant, state, attempt, max_attempts,"
            + " version, owner, lease_expires_at, next_run_at, progress, progress_at, last_error, result_json";
    /** How many claim candidates to look at: enough that concurrent claimers rarely all want the same row. */
    private static final int CANDIDATES = 8;

    private final Sql sql;

    public TaskRepository(Sql sql) {
        this.sql = sql;
    }

    /**
     * Inserts one task of a plan; the unique key (video, generation, kind, variant) rejects a second. It is
     * due at once by the database's clock (the returned task's {@code nextRunAt} is the node's {@code now}).
     */
    public Task insert(Connection c, String videoId, int generation, TaskKind kind, String variant, TaskState state,
                       int maxAttempts, Instant at) throws SQLException {
        long now = at.toEpochMilli();
        long id = Sql.insertReturningKey(c, "INSERT INTO tasks (video_id, generation, kind, variant, state, attempt,"
                        + " max_attempts, version, next_run_at, progress, created_at, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, 0, ?, 0, " + sql.now() + ", 0, ?, ?)", "task_id",
                videoId, generation, kind, variant, state, maxAttempts, now, now);
        return new Task(id, videoId, generation, kind, variant, state, 0, maxAttempts, 0, null, null, at, 0, null, null,
                null);
    }

    /**
     * Claims the oldest due READY task of the given kinds for {@code owner}. Candidates are read without
     * locks, then one is locked by primary key with SKIP LOCKED and leased under a version check. H2 2.5
     * locks every row a {@code FOR UPDATE ... ORDER BY ... LIMIT 1} matches, not just the one returned,
     * which would make concurrent claimers find nothing; locking by key behaves alike on both databases.
     * Due-ness, the lease, its start and the progress time are all the database's clock
     * ({@link io.vidforge.db.DatabaseClock}); {@code now} (the node's clock) is only the row's updated_at.
     */
    public Optional<Task> claim(String owner, Set<TaskKind> kinds, Instant now, Duration lease) {
        if (kinds.isEmpty()) {
            return Optional.empty();
        }
        long t = now.toEpochMilli();
        String in = String.join(", ", Collections.nCopies(kinds.size(), "?"));
        Object[] args = new Object[kinds.size() + 1];
        System.arraycopy(kinds.toArray(), 0, args, 0, kinds.size());
        args[args.length - 1] = CANDIDATES;
        List<Long> candidates = sql.query("SELECT task_id FROM tasks WHERE state = 'READY' AND next_run_at <= " + sql.now()
                + " AND kind IN (" + in + ") ORDER BY next_run_at, task_id LIMIT ?", rs -> rs.getLong(1), args);
        for (long id : candidates) {
            Optional<Task> claimed = sql.inTransaction(c -> {
                Optional<Task> row = Sql.queryOne(c, "SELECT " + COLUMNS + " FROM tasks WHERE task_id = ?"
                        + " AND state = 'READY' AND next_run_at <= " + sql.now() + " FOR UPDATE SKIP LOCKED",
                        TaskRepository::map, id);
                if (row.isEmpty()) {
                    return Optional.<Task>empty(); // taken or being taken by another worker
                }
                int n = Sql.update(c, "UPDATE tasks SET state = 'RUNNING', owner = ?, lease_expires_at = " + sql.now()
                                + " + ?, heartbeat_at = " + sql.now() + ", progress = 0, progress_at = " + sql.now()
                                + ", version = version + 1, attempt = attempt + 1, updated_at = ?"
                                + " WHERE task_id = ? AND version = ?",
                        owner, lease.toMillis(), t, id, row.get().version());
                return n != 1 ? Optional.<Task>empty()
                        : Sql.queryOne(c, "SELECT " + COLUMNS + " FROM tasks WHERE task_id = ?", TaskRepository::map, id);
            });
            if (claimed.isPresent()) {
                return claimed;
            }
        }
        return Optional.empty();
    }

    /**
     * Renews the lease and records progress. {@code progress_at} moves only when progress advanced, so
     * a worker that renews without advancing is visibly stalled. False: the claim is no longer ours.
     * The lease and progress times are the database's clock; {@code now} is only the row's updated_at.
     */
    public boolean heartbeat(Task claim, double progress, boolean advanced, Instant now, Duration lease) {
        return sql.update("UPDATE tasks SET lease_expires_at = " + sql.now() + " + ?, heartbeat_at = " + sql.now()
                        + ", progress = ?, progress_at = CASE WHEN ? = 1 THEN " + sql.now() + " ELSE progress_at END,"
                        + " updated_at = ?" + Fence.holder(claim).where(),
                Fence.holder(claim).args(lease.toMillis(), progress, advanced ? 1 : 0, now.toEpochMilli())) == 1;
    }

    public int markDone(Connection c, Fence f, String resultJson, Instant now) throws SQLException {
        long t = now.toEpochMilli();
        return Sql.update(c, "UPDATE tasks SET state = 'DONE', result_json = ?, progress = 1, progress_at = ?,"
                + " lease_expires_at = NULL, version = version + 1, updated_at = ?" + f.where(), f.args(resultJson, t, t));
    }

    /** Back to READY at {@code nextRunAt}; the attempt counts against the task's budget. */
    public int requeue(Connection c, Fence f, Instant nextRunAt, String error, Instant now) throws SQLException {
        return requeue(c, f, nextRunAt, error, now, true);
    }

    /**
     * Back to READY at {@code nextRunAt}. {@code countAttempt} false gives the claim's attempt back (the
     * next claim has the same attempt number): the attempt ended for a reason outside the task, such as
     * an object-store outage, and must not use up the task's budget. The version still moves on, so
     * every claim keeps a fencing token and an output prefix of its own. The delay {@code nextRunAt - now}
     * is counted from the database's clock, like every time a claim compares against.
     */
    public int requeue(Connection c, Fence f, Instant nextRunAt, String error, Instant now, boolean countAttempt)
            throws SQLException {
        return Sql.update(c, "UPDATE tasks SET state = 'READY', owner = NULL, lease_expires_at = NULL, next_run_at = "
                        + sql.now() + " + ?, attempt = attempt - ?, version = version + 1, last_error = ?, updated_at = ?"
                        + f.where(), f.args(nextRunAt.toEpochMilli() - now.toEpochMilli(), countAttempt ? 0 : 1,
                clip(error), now.toEpochMilli()));
    }

    public int markFailed(Connection c, Fence f, String error, Instant now) throws SQLException {
        return Sql.update(c, "UPDATE tasks SET state = 'FAILED', lease_expires_at = NULL, version = version + 1,"
                + " last_error = ?, updated_at = ?" + f.where(), f.args(clip(error), now.toEpochMilli()));
    }

    /**
     * Ends every unfinished task of a generation that has failed. Guarded by generation rather than one
     * version: the whole plan is void, and the version bump makes running workers' heartbeats fail.
     */
    public int cancelGeneration(Connection c, String videoId, int generation, String reason, Instant now)
            throws SQLException {
        return Sql.update(c, "UPDATE tasks SET state = 'FAILED', lease_expires_at = NULL, version = version + 1,"
                        + " last_error = ?, updated_at = ? WHERE video_id = ? AND generation = ?"
                        + " AND state IN ('WAITING', 'READY', 'RUNNING')", clip(reason), now.toEpochMilli(), videoId,
                generation);
    }

    /** WAITING → READY once its dependencies are done (the fan-in of PUBLISH). */
    public int promote(Connection c, Task waiting, Instant now) throws SQLException {
        return Sql.update(c, "UPDATE tasks SET state = 'READY', next_run_at = " + sql.now() + ", version = version + 1,"
                + " updated_at = ? WHERE task_id = ? AND version = ? AND state = 'WAITING'", now.toEpochMilli(),
                waiting.taskId(), waiting.version());
    }

    public Optional<Task> find(long taskId) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM tasks WHERE task_id = ?", TaskRepository::map, taskId);
    }

    public List<Task> ofGeneration(String videoId, int generation) {
        return sql.query("SELECT " + COLUMNS + " FROM tasks WHERE video_id = ? AND generation = ? ORDER BY task_id",
                TaskRepository::map, videoId, generation);
    }

    /** The AUDIO and VIDEO_CHUNK tasks of a generation, in the caller's transaction (whether it is playable). */
    public List<Task> encodesOf(Connection c, String videoId, int generation) throws SQLException {
        return Sql.query(c, "SELECT " + COLUMNS + " FROM tasks WHERE video_id = ? AND generation = ?"
                + " AND kind IN ('AUDIO', 'VIDEO_CHUNK') ORDER BY task_id", TaskRepository::map, videoId, generation);
    }

    /**
     * The accepted (DONE, so fenced) AUDIO and VIDEO_CHUNK tasks of a generation with their results: what a
     * segment node plays a video from before it is published. A zombie attempt's output is never named here.
     */
    public List<Task> acceptedEncodes(String videoId, int generation) {
        return sql.query("SELECT " + COLUMNS + " FROM tasks WHERE video_id = ? AND generation = ? AND state = 'DONE'"
                + " AND kind IN ('AUDIO', 'VIDEO_CHUNK') ORDER BY task_id", TaskRepository::map, videoId, generation);
    }

    /** The tasks of every PLANNED job in one query, for the planner's pass. */
    public List<Task> ofPlannedJobs() {
        return sql.query("SELECT " + COLUMNS.replaceAll("(^|, )", "$1t.") + " FROM tasks t JOIN jobs j"
                + " ON j.video_id = t.video_id AND j.generation = t.generation WHERE j.state = 'PLANNED'"
                + " ORDER BY t.task_id", TaskRepository::map);
    }

    /** The database's clock now: the {@code now} that {@link #leaseExpired} and {@link #stalled} are given. */
    public Instant databaseNow() {
        return Instant.ofEpochMilli(sql.databaseMillis());
    }

    public List<Task> leaseExpired(Instant now, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM tasks WHERE state = 'RUNNING' AND lease_expires_at < ?"
                + " ORDER BY lease_expires_at LIMIT ?", TaskRepository::map, now.toEpochMilli(), limit);
    }

    public List<Task> stalled(Instant progressBefore, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM tasks WHERE state = 'RUNNING' AND progress_at < ?"
                + " ORDER BY progress_at LIMIT ?", TaskRepository::map, progressBefore.toEpochMilli(), limit);
    }

    /** One task of a generation as the video API shows it: how far it got, in which attempt. */
    public record ProgressView(TaskKind kind, TaskState state, double progress, int attempt, String variant) {
    }

    public List<ProgressView> progressOf(String videoId, int generation) {
        return sql.query("SELECT kind, state, progress, attempt, variant FROM tasks WHERE video_id = ? AND generation = ?",
                rs -> new ProgressView(TaskKind.valueOf(rs.getString(1)), TaskState.valueOf(rs.getString(2)),
                        rs.getDouble(3), rs.getInt(4), rs.getString(5)),
                videoId, generation);
    }

    /** How many tasks are in each (state, kind) that has any, for the queue gauges. */
    public record QueueCount(String state, String kind, long tasks) {
    }

    public List<QueueCount> countByStateAndKind() {
        return sql.query("SELECT state, kind, COUNT(*) FROM tasks GROUP BY state, kind",
                rs -> new QueueCount(rs.getString(1), rs.getString(2), rs.getLong(3)));
    }

    private static String clip(String s) {
        return s == null || s.length() <= 4000 ? s : s.substring(0, 4000);
    }

    static Task map(ResultSet rs) throws SQLException {
        return new Task(rs.getLong("task_id"), rs.getString("video_id"), rs.getInt("generation"),
                TaskKind.valueOf(rs.getString("kind")), rs.getString("variant"), TaskState.valueOf(rs.getString("state")),
                rs.getInt("attempt"), rs.getInt("max_attempts"), rs.getLong("version"), rs.getString("owner"),
                instant(rs, "lease_expires_at"), instant(rs, "next_run_at"), rs.getDouble("progress"),
                instant(rs, "progress_at"), rs.getString("last_error"), rs.getString("result_json"));
    }

    /** Epoch milliseconds as an Instant; null for SQL NULL. */
    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
