package io.vidforge.testing;

import io.vidforge.db.Sql;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What the cluster tests ask a cluster's database, each question by name and its SQL written once, run
 * through the platform's own {@link Sql}: {@link ClusterHarness#queries()} for a process cluster,
 * {@link #postgres(String)} for a test's own PostgreSQL. Read-only: tests judge what the nodes stored and
 * never write behind their backs. Every call opens its own connection, so a question asked while the
 * database is down fails at once (a {@code DataAccessException}) and the next one may succeed.
 */
public final class ClusterQueries {
    /** A RUNNING task as a test sees it: whose it is, what it does and how far it got. */
    public record RunningTask(long taskId, String owner, String kind, String variant, int attempt, double progress) {
    }

    /** The orchestrator lease's holder. */
    public record Leader(String owner, long term) {
    }

    private static final String RUNNING_COLUMNS = "SELECT task_id, owner, kind, variant, attempt, progress FROM tasks";

    private final Sql sql;

    public ClusterQueries(Sql sql) {
        this.sql = sql;
    }

    /** A PostgreSQL database reached as user postgres without a password (PrivatePostgres, ./run.sh cluster). */
    public static ClusterQueries postgres(String jdbcUrl) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl);
        ds.setUser("postgres");
        return new ClusterQueries(new Sql(ds));
    }

    /** {@code ?, ?, ?}: one placeholder per id. */
    private static String placeholders(List<String> ids) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no ids");
        }
        return String.join(", ", Collections.nCopies(ids.size(), "?"));
    }

    private long count(String query, Object... params) {
        return sql.queryOne(query, rs -> rs.getLong(1), params).orElseThrow();
    }

    private static RunningTask running(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new RunningTask(rs.getLong("task_id"), rs.getString("owner"), rs.getString("kind"), rs.getString("variant"),
                rs.getInt("attempt"), rs.getDouble("progress"));
    }

    // ---- videos ---------------------------------------------------------------------------------------------

    /** Rows of these videos (a lost upload: fewer than asked for). */
    public long videos(List<String> videoIds) {
        return count("SELECT count(*) FROM videos WHERE video_id IN (" + placeholders(videoIds) + ")", videoIds.toArray());
    }

    /** Those of these videos that are not {@code ready}. */
    public long videosNotReady(List<String> videoIds) {
        return count("SELECT count(*) FROM videos WHERE status <> 'ready' AND video_id IN (" + placeholders(videoIds) + ")",
                videoIds.toArray());
    }

    /** The video's status, empty when it has no row. */
    public Optional<String> status(String videoId) {
        return sql.queryOne("SELECT status FROM videos WHERE video_id = ?", rs -> rs.getString(1), videoId);
    }

    /** Each video's status, in the order the database returns them (for messages). */
    public Map<String, String> statuses(List<String> videoIds) {
        Map<String, String> out = new LinkedHashMap<>();
        sql.query("SELECT video_id, status FROM videos WHERE video_id IN (" + placeholders(videoIds) + ")",
                rs -> out.put(rs.getString(1), rs.getString(2)), videoIds.toArray());
        return out;
    }

    public String rawKey(String videoId) {
        return sql.queryOne("SELECT raw_key FROM videos WHERE video_id = ?", rs -> rs.getString(1), videoId).orElseThrow();
    }

    /** Entries of the video's history that finish it ({@code ready} or {@code failed}). */
    public long finalStateChanges(String videoId) {
        return count("SELECT count(*) FROM video_history WHERE video_id = ? AND status IN ('ready', 'failed')", videoId);
    }

    // ---- jobs -----------------------------------------------------------------------------------------------

    public long jobs(String videoId) {
        return count("SELECT count(*) FROM jobs WHERE video_id = ?", videoId);
    }

    // ---- tasks ----------------------------------------------------------------------------------------------

    /** RUNNING TRANSCODE tasks of these videos. */
    public long transcodesRunning(List<String> videoIds) {
        return count("SELECT count(*) FROM tasks WHERE kind = 'TRANSCODE' AND state = 'RUNNING' AND video_id IN ("
                + placeholders(videoIds) + ")", videoIds.toArray());
    }

    /** RUNNING TRANSCODE tasks of these videos that have reported progress: ffmpeg is at work. */
    public long transcodesUnderWay(List<String> videoIds) {
        return count("SELECT count(*) FROM tasks WHERE kind = 'TRANSCODE' AND state = 'RUNNING' AND progress > 0"
                + " AND video_id IN (" + placeholders(videoIds) + ")", videoIds.toArray());
    }

    /** The least advanced TRANSCODE of the video that is under way and not near its end (below 80 %). */
    public Optional<RunningTask> transcodeMidWay(String videoId) {
        return sql.queryOne(RUNNING_COLUMNS + " WHERE video_id = ? AND kind = 'TRANSCODE' AND state = 'RUNNING'"
                + " AND progress > 0 AND progress < 0.8 ORDER BY progress LIMIT 1", ClusterQueries::running, videoId);
    }

    /** Ids of the RUNNING tasks of these videos. */
    public List<Long> runningTaskIds(List<String> videoIds) {
        return sql.query("SELECT task_id FROM tasks WHERE state = 'RUNNING' AND video_id IN (" + placeholders(videoIds) + ")",
                rs -> rs.getLong(1), videoIds.toArray());
    }

    /** RUNNING tasks renewed after {@code heartbeatAfterMillis}: their workers are alive. */
    public List<RunningTask> runningRenewedAfter(long heartbeatAfterMillis) {
        return sql.query(RUNNING_COLUMNS + " WHERE state = 'RUNNING' AND heartbeat_at > ?", ClusterQueries::running,
                heartbeatAfterMillis);
    }

    /** The RUNNING tasks of {@code owner} renewed after {@code heartbeatAfterMillis}. */
    public List<RunningTask> runningRenewedAfter(String owner, long heartbeatAfterMillis) {
        return sql.query(RUNNING_COLUMNS + " WHERE owner = ? AND state = 'RUNNING' AND heartbeat_at > ?",
                ClusterQueries::running, owner, heartbeatAfterMillis);
    }

    /** RUNNING tasks of {@code owner}, whatever their heartbeat. */
    public long runningTasksOf(String owner) {
        return count("SELECT count(*) FROM tasks WHERE owner = ? AND state = 'RUNNING'", owner);
    }

    /** Each task of these videos by id, with its attempt number. */
    public Map<Long, Integer> attempts(List<String> videoIds) {
        Map<Long, Integer> out = new LinkedHashMap<>();
        sql.query("SELECT task_id, attempt FROM tasks WHERE video_id IN (" + placeholders(videoIds) + ")",
                rs -> out.put(rs.getLong(1), rs.getInt(2)), videoIds.toArray());
        return out;
    }

    /** The video's tasks still to run or running (READY, RUNNING, WAITING). */
    public long unfinishedTasks(String videoId) {
        return count("SELECT count(*) FROM tasks WHERE video_id = ? AND state IN ('READY', 'RUNNING', 'WAITING')", videoId);
    }

    /** The video's tasks that are not DONE (unfinished or failed). */
    public long tasksNotDone(String videoId) {
        return count("SELECT count(*) FROM tasks WHERE video_id = ? AND state <> 'DONE'", videoId);
    }

    /** The video's PUBLISH tasks that are DONE. */
    public long publishesDone(String videoId) {
        return count("SELECT count(*) FROM tasks WHERE video_id = ? AND kind = 'PUBLISH' AND state = 'DONE'", videoId);
    }

    /** "KIND variant STATE attempt N" for each task of the video (for messages). */
    public List<String> taskSummary(String videoId) {
        return sql.query("SELECT kind, variant, state, attempt FROM tasks WHERE video_id = ?",
                rs -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " attempt " + rs.getInt(4), videoId);
    }

    // ---- leader lease ---------------------------------------------------------------------------------------

    /** Whoever holds the orchestrator lease at {@code nowMillis}, if anyone. */
    public Optional<Leader> orchestratorLeader(long nowMillis) {
        return sql.queryOne("SELECT owner, term FROM leader_lease WHERE name = 'orchestrator' AND owner IS NOT NULL"
                + " AND expires_at > ?", rs -> new Leader(rs.getString(1), rs.getLong(2)), nowMillis);
    }

    // ---- webhooks -------------------------------------------------------------------------------------------

    /** Events in the webhook outbox. */
    public long webhookEvents() {
        return count("SELECT count(*) FROM webhook_events");
    }

    /** Deliveries recorded as sent. */
    public long webhookDeliveriesSent() {
        return count("SELECT count(*) FROM webhook_deliveries WHERE state = 'SENT'");
    }

    /** Each video's outbox event ids in outbox order. */
    public Map<String, List<String>> webhookEventsByVideo() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        sql.query("SELECT video_id, event_id FROM webhook_events ORDER BY seq",
                rs -> out.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>()).add(rs.getString(2)));
        return out;
    }
}
