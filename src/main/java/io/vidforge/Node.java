package io.vidforge;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.http.DrainingRefusal;
import io.vidforge.http.ErrorHandling;
import io.vidforge.http.Handlers;
import io.vidforge.http.HealthService;
import io.vidforge.metrics.NodeMetrics;
import io.vidforge.orchestrator.OrchestratorModule;
import io.vidforge.segment.SegmentModule;
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
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final HeaderName X_NODE_ID = HeaderNames.create("X-Node-Id");
    private static final AtomicBoolean MAPPERS_PINNED = new AtomicBoolean();

    private final Platform platform;
    private final List<RoleModule> modules;
    private final WebServer server;
    private final String role;
    private final InFlightRequests inFlight;
    private final Duration shutdownGrace;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NodeMetrics metrics;

    private Node(Platform platform, List<RoleModule> modules, WebServer server, String role,
                 InFlightRequests inFlight, Duration shutdownGrace, NodeMetrics metrics) {
        this.platform = platform;
        this.modules = modules;
        this.server = server;
        this.role = role;
        this.inFlight = inFlight;
        this.shutdownGrace = shutdownGrace;
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
        pinGlobalMappers();
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
            // Any upload or orchestrator node delivers webhooks (claimed like tasks, so many may run it).
            if (roles.contains(Role.UPLOAD) || roles.contains(Role.ORCHESTRATOR)) {
                modules.add(new WebhookModule(platform, label));
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
            InFlightRequests inFlight = new InFlightRequests();
            // Every answer names its node: nginx cannot tell which upstream it chose, the node can.
            routing.addFilter((chain, req, res) -> {
                res.header(X_NODE_ID, nodeId);
                // Counted before the draining check: close() sets draining, then waits for the count, so
                // every request either sees draining or is waited for.
                inFlight.enter();
                try {
                    rejectInvalidContentLength(req);
                    if (platform.draining().get()) {
                        // nginx then drops its kept-alive connections to this node instead of reusing one
                        // that is about to close.
                        res.header(HeaderValues.CONNECTION_CLOSE);
                        if (refusedWhileDraining(req)) {
                            platform.drainingRefusal().send(req, res);
                            return;
                        }
                    }
                    chain.proceed();
                } finally {
                    inFlight.exit();
                }
            });
            routing.addFilter(metrics.requestFilter());
            ErrorHandling.register(routing);
            routing.register("/health", new HealthService(nodeId, label, checks, platform.draining()::get));
            metrics.routing(routing);
            io.vidforge.http.OpenApiDocument.register(routing);
            modules.forEach(m -> m.routing(routing));
            routing.any(Handlers.notFound());
            Duration grace = Duration.ofSeconds(settings.integer("SHUTDOWN_GRACE_SECONDS", 10));
            WebServer server = connectionSettings(WebServer.builder())
                    // Main's shutdown hook drains and stops the node; Helidon's own hook would stop the
                    // server at once, in parallel, cutting requests the drain is waiting for.
                    .shutdownHook(false)
                    .host(settings.host())
                    .port(settings.port())
                    .maxPayloadSize(-1)
                    .shutdownGracePeriod(grace)
                    .directHandlers(ErrorHandling.directHandlers())
                    .routing(routing)
                    .build()
                    .start();
            modules.forEach(RoleModule::start);
            return new Node(platform, modules, server, label, inFlight, grace, metrics);
        } catch (RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            modules.forEach(RoleModule::close);
            platform.close();
            throw e;
        }
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

    /**
     * How every node's server treats its connections; tests that build a server of their own use it too,
     * so they serve the way nodes do.
     */
    public static WebServerConfig.Builder connectionSettings(WebServerConfig.Builder server) {
        return server
                // TCP_NODELAY: without it a small response written behind another one waits for the
                // client's delayed ACK (~40 ms on Linux). The other socket options keep Helidon's
                // defaults (this builder starts from the same values as SocketOptions.create()). It
                // once made tus-java-client hang: see TusService.awaitBody and docs/performance.md.
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Blocking sockets, not Helidon 4.4's default NIO channel: that one stages every write in
                // an 8 KiB buffer, so a 1.5 MB segment took ~190 write(2) calls and, with TCP_NODELAY, as
                // many TCP segments (docs/performance.md). A socket stream writes the array it is given.
                // Its one pitfall, Helidon writing array ranges that do not start at index 0 wrongly, is
                // handled where large bodies are written (segment.ResponseOutput).
                .useNio(false);
    }

    /** HTTP/1.1 forbids a negative or non-numeric Content-Length; Helidon would treat it as no body. */
    private static void rejectInvalidContentLength(io.helidon.webserver.http.ServerRequest req) {
        req.headers().first(HeaderNames.CONTENT_LENGTH).ifPresent(v -> {
            boolean valid;
            try {
                valid = Long.parseLong(v.trim()) >= 0;
            } catch (NumberFormatException e) {
                valid = false;
            }
            if (!valid) {
                throw io.vidforge.http.ApiException.badRequest("BAD_CONTENT_LENGTH",
                        "Content-Length must be a non-negative whole number.");
            }
        });
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
        return inFlight.count();
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
        int atStart = inFlight.count();
        events.event("NODE_DRAINING").with("in_flight", atStart).with("grace_ms", shutdownGrace.toMillis()).emit();
        boolean drained = inFlight.awaitZero(shutdownGrace);
        long drainedMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        for (int i = modules.size() - 1; i >= 0; i--) {
            try {
                modules.get(i).close();
            } catch (RuntimeException e) {
                Logger.getLogger(Node.class.getName()).log(Level.WARNING, "closing a module failed", e);
            }
        }
        server.stop();
        events.event("NODE_STOPPED").with("drain_ms", drainedMs).with("in_flight_left", drained ? 0 : inFlight.count())
                .with("stop_ms", Duration.ofNanos(System.nanoTime() - t0).toMillis()).emit();
        metrics.close();
        platform.close();
    }

    /**
     * Reads are refused while draining (nginx retries them elsewhere); health and writes are served.
     * Playback routes refuse on their own (SegmentService, with its CORS headers).
     */
    private static boolean refusedWhileDraining(ServerRequest req) {
        Method m = req.prologue().method();
        if (m != Method.GET && m != Method.HEAD && m != Method.OPTIONS) {
            return false;
        }
        String path = req.path().path();
        return !path.equals("/health") && !path.startsWith("/health/") && !path.startsWith("/s/")
                && !path.startsWith("/play/");
    }

    /** Counts requests between the routing filter's entry and exit; close() waits for zero. */
    private static final class InFlightRequests {
        private final AtomicInteger count = new AtomicInteger();

        void enter() {
            count.incrementAndGet();
        }

        void exit() {
            count.decrementAndGet();
        }

        int count() {
            return count.get();
        }

        /** Polls (shutdown only): no lock on the request path. */
        boolean awaitZero(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count.get() > 0) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
