package io.vidforge.db;

/**
 * The clock that leases are measured on. Lease expiry is decided by the database's clock, not by the
 * nodes': a node whose clock runs ahead would otherwise declare other nodes' leases expired early, and one
 * whose clock runs behind would write leases that are already over. Every statement that sets or tests a
 * lease embeds {@link #nowMillisSql()} instead of a time the node computed.
 */
public interface DatabaseClock {
    /** {@code CURRENT_TIMESTAMP} as epoch milliseconds; the same expression on H2 and PostgreSQL. */
    DatabaseClock SERVER = () -> "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";

    /** An SQL expression for the current time in epoch milliseconds. */
    String nowMillisSql();
}
