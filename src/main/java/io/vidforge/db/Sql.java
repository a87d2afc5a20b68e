package io.vidforge.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The small JDBC helper every repository uses: parameter binding, row mapping and transactions, so no
 * repository repeats statement plumbing. SQL failures surface as {@link DataAccessException}.
 */
public final class Sql {
    /** SQLSTATE for a unique-key violation; the same on H2 and PostgreSQL. */
    public static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;
    private final DatabaseClock clock;

    public Sql(DataSource ds) {
        this(ds, DatabaseClock.SERVER);
    }

    public Sql(DataSource ds, DatabaseClock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** The SQL expression for the database's current time in epoch milliseconds (see {@link DatabaseClock}). */
    public String now() {
        return clock.nowMillisSql();
    }

    /** The database's current time in epoch milliseconds. */
    public long databaseMillis() {
        return queryOne("SELECT " + now(), rs -> rs.getLong(1)).orElseThrow();
    }

    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction: commit on success, rollback on any failure. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw DataAccessException.of(e);
        }
    }

    /** Runs {@code work} on one pooled connection in auto-commit mode. */
    public <T> T withConnection(Work<T> work) {
        try (Connection c = ds.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw DataAccessException.of(e);
        }
    }

    public int update(String sql, Object... args) {
        return withConnection(c -> update(c, sql, args));
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
        return withConnection(c -> query(c, sql, mapper, args));
    }

    public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
        List<T> rows = query(sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        }
    }

    public static <T> Optional<T> queryOne(Connection c, String sql, RowMapper<T> mapper, Object... args)
            throws SQLException {
        List<T> rows = query(c, sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Inserts and returns the generated key of column {@code keyColumn}. */
    public static long insertReturningKey(Connection c, String sql, String keyColumn, Object... args)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, new String[] {keyColumn})) {
            bind(ps, args);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                if (!rs.next()) {
                    throw new SQLException("no generated key for " + keyColumn);
                }
                return rs.getLong(1);
            }
        }
    }

    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Enum<?> e) {
                ps.setString(i + 1, e.name());
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }
}
