package io.vidforge.db;

import java.sql.SQLException;

/** The database failed or was unreachable. */
public final class DataAccessException extends RuntimeException {
    private DataAccessException(String message, SQLException cause) {
        super(message, cause);
    }

    public static DataAccessException of(SQLException e) {
        return new DataAccessException(e.getMessage() + " [SQLSTATE " + e.getSQLState() + "]", e);
    }

    public boolean isUniqueViolation() {
        return Sql.isUniqueViolation(this);
    }
}
