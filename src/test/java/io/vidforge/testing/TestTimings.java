package io.vidforge.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * The coordination timings tests run with, one set per kind of harness, so a test says which kind of
 * cluster it is and changes only what its case needs ({@link #with}).
 */
public final class TestTimings {
    /**
     * {@link ManualCluster}: loops off, the test runs each pass and advances the clock itself, so leases,
     * backoffs and stalls happen exactly when it says.
     */
    public static final Map<String, String> MANUAL = Map.ofEntries(
            Map.entry("ORCHESTRATOR_AUTOSTART", "false"), Map.entry("WORKER_AUTOSTART", "false"),
            Map.entry("LEASE_SECONDS", "30"), Map.entry("HEARTBEAT_SECONDS", "10"), Map.entry("STALL_SECONDS", "120"),
            Map.entry("MAX_ATTEMPTS", "3"), Map.entry("BACKOFF_BASE_SECONDS", "2"),
            Map.entry("BACKOFF_MAX_SECONDS", "60"), Map.entry("LEADER_LEASE_SECONDS", "10"),
            Map.entry("WORKER_GRACE_SECONDS", "1"), Map.entry("DB_POOL_SIZE", "4"));

    /** {@link LiveCluster}: in-JVM nodes on the real clock; a lost lease is noticed within seconds. */
    public static final Map<String, String> LIVE = Map.ofEntries(
            Map.entry("POLL_MILLIS", "50"), Map.entry("LEASE_SECONDS", "2"), Map.entry("HEARTBEAT_SECONDS", "0.3"),
            Map.entry("STALL_SECONDS", "30"), Map.entry("BACKOFF_BASE_SECONDS", "0.1"),
            Map.entry("BACKOFF_MAX_SECONDS", "1"), Map.entry("LEADER_LEASE_SECONDS", "1"),
            Map.entry("WORKER_GRACE_SECONDS", "1"), Map.entry("DB_POOL_SIZE", "5"));

    /** One node with every role on the real clock, processing real media (end to end, ABR). */
    public static final Map<String, String> SINGLE_NODE = Map.of(
            "POLL_MILLIS", "100", "HEARTBEAT_SECONDS", "1", "LEASE_SECONDS", "10");

    /**
     * {@link ClusterHarness}: processes started by ./run.sh cluster on one shared machine; leases short
     * enough that a killed worker's task moves on within seconds, long enough for a loaded machine.
     */
    public static final Map<String, String> PROCESS_CLUSTER = Map.ofEntries(
            Map.entry("LEASE_SECONDS", "4"), Map.entry("HEARTBEAT_SECONDS", "1"),
            Map.entry("LEADER_LEASE_SECONDS", "3"), Map.entry("POLL_MILLIS", "250"),
            Map.entry("BACKOFF_BASE_SECONDS", "0.5"), Map.entry("BACKOFF_MAX_SECONDS", "2"),
            Map.entry("MAX_ATTEMPTS", "5"), Map.entry("STALL_SECONDS", "60"),
            Map.entry("WORKER_GRACE_SECONDS", "1"), Map.entry("SHUTDOWN_GRACE_SECONDS", "5"));

    private TestTimings() {
    }

    /** {@code base} with some settings replaced or added: name, value, name, value, … */
    public static Map<String, String> with(Map<String, String> base, String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs");
        }
        Map<String, String> m = new HashMap<>(base);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }
}
