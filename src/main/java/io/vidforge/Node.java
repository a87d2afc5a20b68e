package io.vidforge;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.http.ErrorHandling;
import io.vidforge.http.Handlers;
import io.vidforge.http.HealthService;
import io.vidforge.metrics.NodeMetrics;
import io.vidforge.orchestrator.OrchestratorModule;
import io.vidforge.segment.SegmentModule;
import io.vidforge.upload.UploadModule;
import io.vidforge.worker.WorkerModule;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/** One running node: the shared platform, the modules of its roles and one HTTP server on loopback. */
public final class Node implements AutoCloseable {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final HeaderName X_NODE_ID = HeaderNames.create("X-Node-Id");

    private final Platform platform;
    private final List<RoleModule> modules;
    private final WebServer server;
    private final String role;
    private final NodeMetrics metrics;

    private Node(Platform platform, List<RoleModule> modules, WebServer server, String role, NodeMetrics metrics) {
        this.platform = platform;
        this.modules = modules;
        this.server = server;
        this.role = role;
        this.metrics = metrics;
    }

    public static Node start(Settings settings, Set<Role> roles) {
        return start(settings, roles, Clock.systemUTC());
    }

    public static Node start(Settings settings, Set<Role> roles, Clock clock) {
        String label = Role.label(roles);
        String nodeId = settings.string("NODE_ID", label + "-1");
        if (!NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("NODE_ID must be 1-64 of [A-Za-z0-9_.-], was '" + nodeId + "'");
        }
        Platform platform = Platform.open(settings, nodeId, clock);
        List<RoleModule> modules = new ArrayList<>();
        NodeMetrics metrics = null;
        try {
            for (Role r : roles) {
                modules.add(switch (r) {
                    case UPLOAD -> new UploadModule(platform);
                    case ORCHESTRATOR -> new OrchestratorModule(platform);
                    case WORKER -> new WorkerModule(platform);
                    case SEGMENT -> new SegmentModule(platform);
                });
            }
            Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
            checks.put("database", platform.db()::reachable);
            checks.put("s3", platform.store()::reachable);
            modules.forEach(m -> checks.putAll(m.healthChecks()));
            // Counters come from the event log (one hook), queue depth from the database at scrape time.
            metrics = NodeMetrics.attach(platform, label);
            for (RoleModule m : modules) {
                if (m instanceof SegmentModule s) {
                    metrics.gauge("vidforge_cache_weight_bytes", "Bytes held by the node-local segment cache.",
                            () -> (double) s.cache().weightBytes());
                    metrics.gauge("vidforge_cache_max_bytes", "The node-local segment cache's bound (CACHE_BYTES).",
                            () -> (double) s.cache().maxBytes());
                    metrics.gauge("vidforge_cache_entries", "Objects held by the node-local segment cache.",
                            () -> (double) s.cache().entries());
                    metrics.gauge("vidforge_prefetch_pending", "Read-ahead reads queued or running.",
                            () -> (double) s.readAhead().pending());
                }
            }
            HttpRouting.Builder routing = HttpRouting.builder();
            // Every answer names its node: nginx cannot tell which upstream it chose, the node can.
            routing.addFilter((chain, req, res) -> {
                res.header(X_NODE_ID, nodeId);
                chain.proceed();
            });
            routing.addFilter(metrics.requestFilter());
            ErrorHandling.register(routing);
            routing.register("/health", new HealthService(nodeId, label, checks, platform.draining()::get));
            metrics.routing(routing);
            modules.forEach(m -> m.routing(routing));
            routing.any(Handlers.notFound());
            WebServer server = WebServer.builder()
                    .host(settings.host())
                    .port(settings.port())
                    .maxPayloadSize(-1)
                    // TCP_NODELAY: without it a small response written behind another one waits for the
                    // client's delayed ACK (~40 ms on Linux). The other socket options keep Helidon's
                    // defaults (this builder starts from the same values as SocketOptions.create()). It
                    // once made tus-java-client hang: see TusService.awaitBody and docs/performance.md.
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    .shutdownGracePeriod(Duration.ofSeconds(settings.integer("SHUTDOWN_GRACE_SECONDS", 10)))
                    .directHandlers(ErrorHandling.directHandlers())
                    .routing(routing)
                    .build()
                    .start();
            modules.forEach(RoleModule::start);
            return new Node(platform, modules, server, label, metrics);
        } catch (RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            modules.forEach(RoleModule::close);
            platform.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public String nodeId() {
        return platform.nodeId();
    }

    public String role() {
        return role;
    }

    public Platform platform() {
        return platform;
    }

    /** This node's metrics ({@code GET /metrics}). */
    public NodeMetrics metrics() {
        return metrics;
    }

    /** The module of one role, for tests and tools that drive it by hand. */
    public <T extends RoleModule> T module(Class<T> type) {
        return modules.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException(nodeId() + " runs no " + type.getSimpleName()));
    }

    /** Drains (health DOWN, new segment requests refused), stops background work, then the server. */
    @Override
    public void close() {
        platform.draining().set(true);
        for (int i = modules.size() - 1; i >= 0; i--) {
            modules.get(i).close();
        }
        server.stop();
        metrics.close();
        platform.close();
    }
}
