package io.vidforge.testing;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Real nodes in the test JVM: Helidon on a free loopback port, the shared test S3 and a fresh database.
 * {@link #environment(String)} gives settings for a new isolated platform; nodes started with the same
 * environment share its database and bucket, like several processes of one cluster.
 */
public final class TestNodes {
    private TestNodes() {
    }

    /** Settings of a new isolated platform (own DB, bucket and data dir) with fast test timings. */
    public static Map<String, String> environment(String name) {
        Map<String, String> env = new HashMap<>();
        env.putAll(TestDatabases.fresh(name));
        env.putAll(TestS3.freshBucket(name));
        try {
            Path data = Files.createTempDirectory("vidforge-" + name.replaceAll("[^A-Za-z0-9]", ""));
            env.put("DATA_DIR", data.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("SEGMENT_SECONDS", "2");
        env.put("SHUTDOWN_GRACE_SECONDS", "1");
        return env;
    }

    public static Node start(Map<String, String> env, String nodeId, Set<Role> roles) {
        return start(env, nodeId, roles, Map.of(), Clock.systemUTC());
    }

    public static Node start(Map<String, String> env, String nodeId, Set<Role> roles, Map<String, String> overrides,
                             Clock clock) {
        Map<String, String> m = new HashMap<>(env);
        m.put("NODE_ID", nodeId);
        m.putAll(overrides);
        return Node.start(Settings.of(m), roles, clock);
    }
}
