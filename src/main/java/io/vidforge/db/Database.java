package io.vidforge.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The connection pool (bounded by {@code DB_POOL_SIZE}) and schema migrations. The same SQL runs on H2
 * (embedded default, PostgreSQL mode) and PostgreSQL; {@link #isPostgres()} gates only the extras that
 * exist on PostgreSQL alone (LISTEN/NOTIFY, the session limits below).
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final boolean postgres;

    private Database(HikariDataSource pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
    }

    /**
     * What PostgreSQL does with a session of ours that goes quiet, set on every pooled connection. A node cut
     * off from the database in the middle of a transaction (a worker inside its claim or its fenced
     * completion) leaves a session on the server that is "idle in transaction" and holds its row locks:
     * the server cannot tell a silent client from a slow one, and behind a relay or NAT it never sees the
     * connection die. {@code idleInTransaction} (idle_in_transaction_session_timeout) makes the server end
     * such a session and release its locks; {@code lockWait} (lock_timeout) bounds how long any statement
     * of ours waits for a row lock someone else holds, so a holder that is stuck while active (blocked
     * sending to a dead client, which the idle timeout does not cover) cannot stall a loop for ever: the
     * statement fails and the loop tries again on its next round. Zero: no limit. No statement_timeout:
     * migrations and batch deletes may legitimately run long.
     */
    public record SessionLimits(Duration idleInTransaction, Duration lockWait) {
        public static final SessionLimits DEFAULT = new SessionLimits(Duration.ofSeconds(10), Duration.ofSeconds(30));

        /** One statement (set_config, session scope) so the pool runs it once per new connection. */
        String initSql() {
            return "SELECT set_config('idle_in_transaction_session_timeout', '" + idleInTransaction.toMillis()
                    + "', false), set_config('lock_timeout', '" + lockWait.toMillis() + "', false)";
        }
    }

    public static Database open(String url, String user, String password, int poolSize) {
        return open(url, user, password, poolSize, SessionLimits.DEFAULT);
    }

    public static Database open(String url, String user, String password, int poolSize, SessionLimits limits) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(Math.min(2, poolSize));
        cfg.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        cfg.setValidationTimeout(Duration.ofSeconds(2).toMillis());
        // Reconnects after a database restart without manual action: dead connections fail validation.
        cfg.setKeepaliveTime(Duration.ofSeconds(30).toMillis());
        cfg.setInitializationFailTimeout(-1);
        cfg.setPoolName("vidforge-db");
        boolean postgres = url.startsWith("jdbc:postgresql:");
        if (postgres) {
            cfg.setConnectionInitSql(limits.initSql());
        }
        HikariDataSource ds = new HikariDataSource(cfg);
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .validateMigrationNaming(true)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, postgres);
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean isPostgres() {
        return postgres;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** True when a connection can be had and answers within two seconds. */
    public boolean reachable() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
