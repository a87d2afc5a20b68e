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
 * exist on PostgreSQL alone (LISTEN/NOTIFY).
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final boolean postgres;

    private Database(HikariDataSource pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
    }

    public static Database open(String url, String user, String password, int poolSize) {
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
        return new Database(ds, url.startsWith("jdbc:postgresql:"));
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
