package io.vidforge;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.db.DataAccessException;
import io.vidforge.http.ServerOptions;
import io.vidforge.http.ErrorHandling;
import io.vidforge.http.Handlers;
import io.vidforge.http.HealthService;
import io.vidforge.metrics.NodeMetrics;
import io.vidforge.orchestrator.OrchestratorModule;
import io.vidforge.segment.SegmentModule;
import io.vidforge.storage.StorageException;
import io.vidforge.upload.UploadModule;
import io.vidforge.webhooks.WebhookModule;
import io.vidforge.worker.WorkerModule;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * One running node: the shared platform, the modules of its roles and one HTTP server on loopback.
 *
 * <p>Stopping drains first ({@link #close()}): the node says DOWN, refuses new reads with
 * {@code NODE_DRAINING} (503, or the 502 nginx asks for on playback routes: {@link DrainingRefusal}; nginx
 * retries them on another node), lets the requests it is serving finish
 * within {@code SHUTDOWN_GRACE_SECONDS}, and only then stops its roles and its server.
 */
public final class Node implements AutoCloseable {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final AtomicBoolean MAPPERS_PINNED = new AtomicBoolean();

    private final Platform platform;
    private final List<RoleModule> modules;
    private final WebServer server;
    private final String role;
    private final DrainFilter drain;
    private final Duration shutdownGrace;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NodeMetrics metrics;

    private Node(Platform platform, List<RoleModule> modules, WebServer server, String role,
                 DrainFilter drain, Duration shutdownGrace, NodeMetrics metrics) {
        this.platform = platform;
        this.modules = modules;
        this.server = server;
        this.role = role;
        this.drain = drain;
        this.shutdownGrace = shutdownGrace;
        this.metrics = metrics;
    }

    public static Node start(Settings settings, Set<Role> roles) {
        // CLOCK_OFFSET_MS (tests only): this node's clock runs that far ahead (negative: behind), to show
        // that leases do not depend on it (they run on the database's clock).
        long offset = settings.longValue("CLOCK_OFFSET_MS", 0);
        return start(settings, roles, offset == 0 ? Clock.systemUTC() : Clock.offset(Clock.systemUTC(), Duration.ofMillis(offset)));
    }

    public static Node start(Settings settings, Set<Role> roles, Clock clock) {
        String label = Role.label(roles);
        String nodeId = settings.string("NODE_ID", label + "-1");
        if (!NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("NODE_ID must be 1-64 of [A-Za-z0-9_.-], was '" + nodeId + "'");
        }
        pinGlobalMappers();
        Platform platform = Platform.open(settings, nodeId, clock);
        List<RoleModule> modules = new ArrayList<>();
        NodeMetrics metrics = null;
        try {
            for (Role r : roles) {
                modules.add(module(r, platform));
            }
            // Any upload or orchestrator node delivers webhooks (claimed like tasks, so many may run it).
            if (roles.contains(Role.UPLOAD) || roles.contains(Role.ORCHESTRATOR)) {
                modules.add(new WebhookModule(platform, label));
            }
            // Counters come from the event log (one hook), queue depth from the database at scrape time.
            metrics = NodeMetrics.attach(platform, label);
            for (RoleModule m : modules) {
                m.metrics(metrics);
            }
            DrainFilter drain = new DrainFilter(nodeId, platform.draining(), platform.drainingRefusal());
            Duration grace = Duration.ofSeconds(settings.integer("SHUTDOWN_GRACE_SECONDS", 10));
            WebServer server = ServerOptions.connectionSettings(WebServer.builder())
                    // Main's shutdown hook drains and stops the node; Helidon's own hook would stop the
                    // server at once, in parallel, cutting requests the drain is waiting for.
                    .shutdownHook(false)
                    .host(settings.host())
                    .port(settings.port())
                    .maxPayloadSize(-1)
                    .shutdownGracePeriod(grace)
                    .directHandlers(ErrorHandling.directHandlers())
                    .routing(routing(platform, label, modules, metrics, drain))
                    .build()
                    .start();
            modules.forEach(RoleModule::start);
            return new Node(platform, modules, server, label, drain, grace, metrics);
        } catch (RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            modules.forEach(RoleModule::close);
            platform.close();
            throw e;
        }
    }

    private static RoleModule module(Role role, Platform platform) {
        return switch (role) {
            case UPLOAD -> new UploadModule(platform);
            case ORCHESTRATOR -> new OrchestratorModule(platform);
            case WORKER -> new WorkerModule(platform);
            case SEGMENT -> new SegmentModule(platform);
        };
    }

    /**
     * A node's routes, in order: the drain filter, request timing, error handling, {@code /health} (the
     * shared checks plus each role's), {@code /metrics}, {@code /openapi.json}, each role's routes, and a JSON 404 for the rest.
     */
    static HttpRouting.Builder routing(Platform platform, String label, List<RoleModule> modules, NodeMetrics metrics,
                                       DrainFilter drain) {
        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("database", platform.db()::reachable);
        checks.put("s3", platform.store()::reachable);
        modules.forEach(m -> checks.putAll(m.healthChecks()));
        HttpRouting.Builder routing = HttpRouting.builder();
        routing.addFilter(drain);
        routing.addFilter(new io.vidforge.http.ApiTokenGuard(platform.settings().get("API_TOKEN").orElse(null)));
        routing.addFilter(metrics.requestFilter());
        errorHandling(routing);
        routing.register("/health", new HealthService(platform.nodeId(), label, checks, platform.draining()::get));
        metrics.routing(routing);
        io.vidforge.http.OpenApiDocument.register(routing);
        modules.forEach(m -> m.routing(routing));
        routing.any(Handlers.notFound());
        return routing;
    }

    /** The contract's JSON errors, with an unreachable database or object storage as a 503 to retry. */
    public static void errorHandling(HttpRouting.Builder routing) {
        ErrorHandling.register(routing);
        ErrorHandling.unavailable(routing, StorageException.class, "storage", "STORAGE_UNAVAILABLE",
                "Object storage is unavailable; retry shortly.");
        ErrorHandling.unavailable(routing, DataAccessException.class, "database", "DATABASE_UNAVAILABLE",
                "The database is unavailable; retry shortly.");
    }

    /**
     * Helidon 4.4.0 builds a new mapper manager on every {@code MapperManager.global()} (helidon-io/helidon
     * #11383, fixed in 4.4.1 by #11402), and its HTTP layer asks for it per request: parsing a response's
     * Content-Length when the body stream opens, query lookups by name. That was 6–7 % of a cached
     * segment's CPU, ~15 µs a call on this machine (docs/performance.md). Pinning one instance makes the
     * call a field read. Once per JVM; remove with Helidon ≥ 4.4.1.
     */
    @SuppressWarnings("removal")
    private static void pinGlobalMappers() {
        if (MAPPERS_PINNED.compareAndSet(false, true)) {
            io.helidon.common.mapper.MapperManager.global(io.helidon.common.mapper.MapperManager.create());
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

    /** Requests being served right now. */
    public int inFlightRequests() {
        return drain.inFlight();
    }

    /**
     * Drains, then stops: health turns DOWN and new reads are refused with {@code NODE_DRAINING}
     * (nginx retries those on another node; writes such as uploads are still taken, since they cannot be
     * replayed), the requests in flight get up to {@code SHUTDOWN_GRACE_SECONDS} to finish, then background
     * work stops (workers hand back or finish their tasks) and finally the server. Logged as
     * {@code NODE_DRAINING} and {@code NODE_STOPPED}.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        platform.draining().set(true);
        var events = platform.eventLog().forRole(role);
        int atStart = drain.inFlight();
        events.event("NODE_DRAINING").with("in_flight", atStart).with("grace_ms", shutdownGrace.toMillis()).emit();
        boolean drained = drain.awaitIdle(shutdownGrace);
        long drainedMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        for (int i = modules.size() - 1; i >= 0; i--) {
            try {
                modules.get(i).close();
            } catch (RuntimeException e) {
                Logger.getLogger(Node.class.getName()).log(Level.WARNING, "closing a module failed", e);
            }
        }
        server.stop();
        events.event("NODE_STOPPED").with("drain_ms", drainedMs).with("in_flight_left", drained ? 0 : drain.inFlight())
                .with("stop_ms", Duration.ofNanos(System.nanoTime() - t0).toMillis()).emit();
        metrics.close();
        platform.close();
    }
}
