package io.vidforge.webhooks;

import io.vidforge.db.DataAccessException;
import io.vidforge.db.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The webhook_deliveries table: one row per outbox event and endpoint. Claimed like tasks (candidates
 * read without locks, then one row locked by key with SKIP LOCKED and leased under its version), and only
 * when no earlier delivery of the same video to the same endpoint is still pending: that keeps the order
 * per video across any number of delivering nodes.
 */
final class DeliveryRepository {
    static final String PENDING = "PENDING";
    static final String SENT = "SENT";
    static final String DEAD = "DEAD";

    /** A claimed delivery: what to send, and the version that fences its outcome. */
    record Claim(String endpoint, long seq, String videoId, String eventId, String type, String body,
                 int attempt, long version, long createdAt) {
    }

    /** A delivery row as the admin route lists it. */
    record Row(String endpoint, String eventId, String type, String videoId, String state, int attempts,
               long nextAt, Integer lastStatus, String lastError, long createdAt, long updatedAt) {
    }

    /** An earlier delivery of the same video to the same endpoint that is still pending (for {@code d}). */
    static final String EARLIER_PENDING = "SELECT 1 FROM webhook_deliveries p WHERE p.endpoint = d.endpoint"
            + " AND p.video_id = d.video_id AND p.event_seq < d.event_seq AND p.state = 'PENDING'";

    private final Sql sql;

    DeliveryRepository(Sql sql) {
        this.sql = sql;
    }

    /**
     * Adds a PENDING delivery to {@code endpoint} for every event since {@code since} that has none yet (an
     * endpoint added later gets the events of the last WEBHOOK_MAX_AGE_SECONDS, not all history).
     * Idempotent; when two nodes race, one insert fails on the primary key and its rows come with the next
     * pass.
     */
    int fanOut(String endpoint, long now, long since) {
        try {
            return sql.update("INSERT INTO webhook_deliveries (endpoint, event_seq, video_id, state, attempts, version,"
                    + " next_at, created_at, updated_at) SELECT ?, e.seq, e.video_id, 'PENDING', 0, 0, ?, e.created_at, ?"
                    + " FROM webhook_events e WHERE e.created_at >= ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                    + " WHERE d.endpoint = ? AND d.event_seq = e.seq)", endpoint, now, now, since, endpoint);
        } catch (DataAccessException e) {
            if (Sql.isUniqueViolation(e)) {
                return 0;
            }
            throw e;
        }
    }

    /** Due deliveries, oldest event first; claiming decides which of them may go now. */
    List<Object[]> due(List<String> endpoints, long now, int limit) {
        String in = String.join(", ", java.util.Collections.nCopies(endpoints.size(), "?"));
        Object[] args = new Object[endpoints.size() + 2];
        args[0] = now;
        for (int i = 0; i < endpoints.size(); i++) {
            args[i + 1] = endpoints.get(i);
        }
        args[args.length - 1] = limit;
        // Deliveries waiting behind an earlier pending one of their video are left out, so a receiver that
        // keeps failing for one video cannot fill the batch and starve the others.
        return sql.query("SELECT d.endpoint, d.event_seq FROM webhook_deliveries d WHERE d.state = 'PENDING'"
                + " AND d.next_at <= ? AND d.endpoint IN (" + in + ") AND NOT EXISTS (" + EARLIER_PENDING + ")"
                + " ORDER BY d.event_seq LIMIT ?",
                rs -> new Object[] {rs.getString(1), rs.getLong(2)}, args);
    }

    /** Leases one due delivery to {@code owner} until {@code now + lease}; empty when it may not go now. */
    Optional<Claim> claim(String endpoint, long seq, String owner, long now, Duration lease) {
        return sql.inTransaction(c -> {
            Optional<Object[]> row = Sql.queryOne(c, "SELECT video_id, attempts, version FROM webhook_deliveries"
                    + " WHERE endpoint = ? AND event_seq = ? AND state = 'PENDING' AND next_at <= ?"
                    + " FOR UPDATE SKIP LOCKED", rs -> new Object[] {rs.getString(1), rs.getInt(2), rs.getLong(3)},
                    endpoint, seq, now);
            if (row.isEmpty()) {
                return Optional.<Claim>empty(); // delivered, leased, or being claimed by another node
            }
            String videoId = (String) row.get()[0];
            // In order per video: an earlier event still pending (waiting for a retry, or in flight on
            // another node) goes first. A dead one no longer holds the later ones back.
            int earlier = Sql.queryOne(c, "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint = ? AND video_id = ?"
                    + " AND event_seq < ? AND state = 'PENDING'", rs -> rs.getInt(1), endpoint, videoId, seq).orElse(0);
            if (earlier > 0) {
                return Optional.<Claim>empty();
            }
            long version = (Long) row.get()[2];
            int n = Sql.update(c, "UPDATE webhook_deliveries SET owner = ?, next_at = ?, attempts = attempts + 1,"
                    + " version = version + 1, updated_at = ? WHERE endpoint = ? AND event_seq = ? AND version = ?",
                    owner, now + lease.toMillis(), now, endpoint, seq, version);
            if (n != 1) {
                return Optional.<Claim>empty();
            }
            return Sql.queryOne(c, "SELECT event_id, event_type, body, created_at FROM webhook_events WHERE seq = ?",
                    rs -> new Claim(endpoint, seq, videoId, rs.getString(1), rs.getString(2), rs.getString(3),
                            (Integer) row.get()[1] + 1, version + 1, rs.getLong(4)), seq);
        });
    }

    /** The receiver took it. False when the lease was lost (another node sent it again meanwhile). */
    boolean sent(Claim c, int status, long now) {
        return sql.update("UPDATE webhook_deliveries SET state = 'SENT', last_status = ?, last_error = NULL,"
                + " updated_at = ? WHERE endpoint = ? AND event_seq = ? AND version = ?",
                status, now, c.endpoint(), c.seq(), c.version()) == 1;
    }

    /** Not taken: try again at {@code nextAt}, or never ({@code dead}). */
    boolean failed(Claim c, Integer status, String error, long nextAt, boolean dead, long now) {
        return sql.update("UPDATE webhook_deliveries SET state = ?, next_at = ?, last_status = ?, last_error = ?,"
                + " updated_at = ? WHERE endpoint = ? AND event_seq = ? AND version = ?",
                dead ? DEAD : PENDING, nextAt, status, truncate(error), now, c.endpoint(), c.seq(), c.version()) == 1;
    }

    /**
     * Removes deliveries, and then the outbox events, of events older than {@code before}: both go by the
     * event's time, and fan-out only looks at events younger than the maximum age, so nothing pruned can
     * come back or be left half.
     */
    int prune(long before) {
        int n = sql.update("DELETE FROM webhook_deliveries WHERE created_at < ?", before);
        return n + io.vidforge.db.WebhookOutbox.prune(sql, before);
    }

    /** Deliveries by state (lower case), every state included. */
    java.util.Map<java.util.List<String>, Double> countByState() {
        java.util.Map<java.util.List<String>, Double> m = new java.util.HashMap<>();
        for (String s : List.of(PENDING, SENT, DEAD)) {
            m.put(List.of(s.toLowerCase(java.util.Locale.ROOT)), 0.0);
        }
        for (Object[] row : sql.query("SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state",
                rs -> new Object[] {rs.getString(1), rs.getLong(2)})) {
            m.put(List.of(((String) row[0]).toLowerCase(java.util.Locale.ROOT)), ((Long) row[1]).doubleValue());
        }
        return m;
    }

    /** Deliveries in {@code state} (null: any), newest event first. */
    List<Row> list(String state, int limit) {
        String where = state == null ? "" : " WHERE d.state = ?";
        Object[] args = state == null ? new Object[] {limit} : new Object[] {state, limit};
        return sql.query("SELECT d.endpoint, e.event_id, e.event_type, d.video_id, d.state, d.attempts, d.next_at,"
                + " d.last_status, d.last_error, d.created_at, d.updated_at FROM webhook_deliveries d"
                + " JOIN webhook_events e ON e.seq = d.event_seq" + where
                + " ORDER BY d.event_seq DESC LIMIT ?", DeliveryRepository::row, args);
    }

    private static Row row(ResultSet rs) throws SQLException {
        int status = rs.getInt(8);
        Integer lastStatus = rs.wasNull() ? null : status;
        return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getInt(6), rs.getLong(7), lastStatus, rs.getString(9), rs.getLong(10), rs.getLong(11));
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }
}
