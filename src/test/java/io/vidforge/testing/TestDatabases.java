package io.vidforge.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh, empty database per test: H2 by default, or a new schema in the PostgreSQL database
 * {@code test} on 127.0.0.1:5432 when the system property {@code test.db=postgres} (the second
 * surefire run, for tests tagged {@code db}). A missing PostgreSQL fails the test; it never skips.
 */
public final class TestDatabases {
    public static final String PG_URL = System.getProperty("test.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = System.getProperty("test.pg.user", "postgres");

    private TestDatabases() {
    }

    public static boolean postgres() {
        return "postgres".equalsIgnoreCase(System.getProperty("test.db", "h2"));
    }

    /** DB_URL/DB_USER/DB_PASSWORD settings of a new empty database named after {@code name}. */
    public static Map<String, String> fresh(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
        id = (id.length() > 30 ? id.substring(0, 30) : id) + "_" + UUID.randomUUID().toString().substring(0, 8);
        if (!postgres()) {
            return Map.of("DB_URL", "jdbc:h2:mem:" + id + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                    + "DEFAULT_NULL_ORDERING=HIGH;LOCK_TIMEOUT=10000", "DB_USER", "sa", "DB_PASSWORD", "");
        }
        String schema = "t_" + id;
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + PG_URL + " is required for test.db=postgres"
                    + " (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): "
                    + e.getMessage(), e);
        }
        return Map.of("DB_URL", PG_URL + "?currentSchema=" + schema, "DB_USER", PG_USER, "DB_PASSWORD", "");
    }
}
