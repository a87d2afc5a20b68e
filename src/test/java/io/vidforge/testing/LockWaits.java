package io.vidforge.testing;

import io.vidforge.Platform;
import io.vidforge.db.Sql;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Who waits for whose row lock, from the database's own view of its sessions: lets a test that orders two
 * transactions know the second one is blocked (not merely slow) before it lets the first go on.
 * Catalogue queries: neither database has a portable name for them.
 */
public final class LockWaits {
    private LockWaits() {
    }

    /** The session id of connection {@code c}, as {@link #waitingFor} names it. */
    public static long session(Platform p, Connection c) throws SQLException {
        String q = p.db().isPostgres() ? "SELECT pg_backend_pid()" : "SELECT SESSION_ID()";
        return Sql.queryOne(c, q, rs -> rs.getLong(1)).orElseThrow();
    }

    /** How many sessions wait for a lock that session {@code holder} holds. */
    public static long waitingFor(Platform p, long holder) {
        String q = p.db().isPostgres()
                ? "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))"
                : "SELECT count(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID = ?";
        return p.sql().queryOne(q, rs -> rs.getLong(1), p.db().isPostgres() ? (Object) (int) holder : (Object) holder)
                .orElseThrow();
    }
}
