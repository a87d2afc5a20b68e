package io.vidforge.tasks;

import io.vidforge.db.Sql;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One named lease row in leader_lease. Whoever holds it (or finds it expired) may take it until
 * {@code now + ttl}; {@code term} grows on every change of owner, so log lines of two leaders that
 * briefly overlapped (a paused leader waking up) can be told apart. The lease runs on the database's
 * clock ({@link io.vidforge.db.DatabaseClock}), so orchestrators whose clocks disagree still agree on it.
 */
public final class LeaderLease {
    public static final String ORCHESTRATOR = "orchestrator";

    public record Holder(String owner, long term, long expiresAt) {
    }

    private final Sql sql;
    private final String name;

    public LeaderLease(Sql sql, String name) {
        this.sql = sql;
        this.name = name;
    }

    /**
     * Takes or renews the lease; the term when {@code owner} holds it now, empty when another does. Two
     * auto-committed statements, no transaction around them: a leader cut off from the database between
     * them must not leave the lease row locked (the server would keep the lock until it notices the dead
     * connection, and the standby's takeover would wait on it; seen in NetworkFaultTest). The term is read
     * back only while this owner still holds the lease it has just renewed.
     */
    public OptionalLong acquire(String owner, Duration ttl) {
        int n = sql.update("UPDATE leader_lease SET term = CASE WHEN owner = ? THEN term ELSE term + 1 END,"
                + " owner = ?, expires_at = " + sql.now() + " + ? WHERE name = ? AND (owner = ? OR expires_at < "
                + sql.now() + ")", owner, owner, ttl.toMillis(), name, owner);
        if (n != 1) {
            return OptionalLong.empty();
        }
        return sql.queryOne("SELECT term FROM leader_lease WHERE name = ? AND owner = ?", rs -> rs.getLong(1), name, owner)
                .map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** Gives the lease up at once (clean shutdown), so a standby need not wait for it to expire. */
    public boolean release(String owner) {
        return sql.update("UPDATE leader_lease SET expires_at = 0 WHERE name = ? AND owner = ?", name, owner) == 1;
    }

    public Optional<Holder> current() {
        return sql.queryOne("SELECT owner, term, expires_at FROM leader_lease WHERE name = ?",
                rs -> new Holder(rs.getString(1), rs.getLong(2), rs.getLong(3)), name);
    }
}
