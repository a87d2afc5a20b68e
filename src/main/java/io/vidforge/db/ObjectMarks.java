package io.vidforge.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The storage clean-up's marks (table {@code gc_marks}): objects seen unreferenced on one pass. Both the
 * sweep and anything that starts referring to an existing object write the object's mark row, so the
 * database decides which of them comes first (see V8__delete_and_gc.sql and docs/design.md).
 */
public final class ObjectMarks {
    public static final String MARKED = "MARKED";
    public static final String SWEEPING = "SWEEPING";

    /** One mark as the clean-up and fsck see it. */
    public record Mark(String objectKey, String reason, long sizeBytes, long modifiedAt, long markedAt, String state) {
    }

    private final Sql sql;

    public ObjectMarks(Sql sql) {
        this.sql = sql;
    }

    /**
     * Called inside the transaction that makes a row refer to {@code key}, before that row is written: drops
     * a MARKED row (the sweep, which must move it to SWEEPING first, will then find nothing to delete) and
     * answers false when the sweep already holds the object (SWEEPING): it is being deleted, refer to other
     * bytes. Waits, on the row lock, for a sweep that is deciding right now.
     */
    public static boolean claimForReference(Connection c, String key) throws SQLException {
        Sql.update(c, "DELETE FROM gc_marks WHERE object_key = ? AND state = ?", key, MARKED);
        return Sql.queryOne(c, "SELECT state FROM gc_marks WHERE object_key = ?", rs -> rs.getString(1), key).isEmpty();
    }

    /** Records a first sighting; false when the object is marked already. */
    public boolean mark(String key, String reason, long sizeBytes, long modifiedAt, long now) {
        try {
            return sql.update("INSERT INTO gc_marks (object_key, reason, size_bytes, modified_at, marked_at, state)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", key, reason, sizeBytes, modifiedAt, now, MARKED) == 1;
        } catch (DataAccessException e) {
            if (e.isUniqueViolation()) {
                return false;
            }
            throw e;
        }
    }

    /** Marks made before {@code markedBefore}, oldest first: due for the sweep. */
    public List<Mark> due(long markedBefore, int limit) {
        return sql.query("SELECT object_key, reason, size_bytes, modified_at, marked_at, state FROM gc_marks"
                + " WHERE state = ? AND marked_at <= ? ORDER BY marked_at, object_key LIMIT ?", ObjectMarks::map,
                MARKED, markedBefore, limit);
    }

    /** Sweeps that were decided but whose delete did not finish (a crash): they are finished first. */
    public List<Mark> sweeping(int limit) {
        return sql.query("SELECT object_key, reason, size_bytes, modified_at, marked_at, state FROM gc_marks"
                + " WHERE state = ? ORDER BY marked_at LIMIT ?", ObjectMarks::map, SWEEPING, limit);
    }

    public List<Mark> all() {
        return sql.query("SELECT object_key, reason, size_bytes, modified_at, marked_at, state FROM gc_marks"
                + " ORDER BY object_key", ObjectMarks::map);
    }

    /** MARKED → SWEEPING, inside the sweep's transaction; false when the mark is gone (the object was claimed). */
    public static boolean beginSweep(Connection c, String key) throws SQLException {
        return Sql.update(c, "UPDATE gc_marks SET state = ? WHERE object_key = ? AND state = ?", SWEEPING, key,
                MARKED) == 1;
    }

    /** Drops the mark (the object is referenced again, gone, or deleted). */
    public void remove(String key) {
        sql.update("DELETE FROM gc_marks WHERE object_key = ?", key);
    }

    public static void remove(Connection c, String key) throws SQLException {
        Sql.update(c, "DELETE FROM gc_marks WHERE object_key = ?", key);
    }

    private static Mark map(java.sql.ResultSet rs) throws SQLException {
        return new Mark(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getString(6));
    }
}
