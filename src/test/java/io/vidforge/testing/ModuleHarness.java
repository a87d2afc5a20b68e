package io.vidforge.testing;

import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.config.Settings;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One role module on its own platform (database pool, S3 client, event log) without an HTTP server: a
 * node as far as the database and the logs can tell, but with the module in the test's hands, so a
 * worker can be given fake handlers and an orchestrator driven pass by pass under a manual clock.
 */
public final class ModuleHarness<M extends RoleModule> implements AutoCloseable {
    private final Platform platform;
    private final M module;
    private boolean closed;

    private ModuleHarness(Platform platform, M module) {
        this.platform = platform;
        this.module = module;
    }

    public static <M extends RoleModule> ModuleHarness<M> start(Map<String, String> env, String nodeId,
            Map<String, String> overrides, Clock clock, Function<Platform, M> factory) {
        Map<String, String> m = new HashMap<>(env);
        m.put("NODE_ID", nodeId);
        m.putAll(overrides);
        Platform platform = Platform.open(Settings.of(m), nodeId, clock);
        try {
            M module = factory.apply(platform);
            module.start();
            return new ModuleHarness<>(platform, module);
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    public Platform platform() {
        return platform;
    }

    public M module() {
        return module;
    }

    public String nodeId() {
        return platform.nodeId();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            module.close();
        } finally {
            platform.close();
        }
    }
}
