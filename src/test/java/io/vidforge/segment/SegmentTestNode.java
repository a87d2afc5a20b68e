package io.vidforge.segment;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Node;
import io.vidforge.http.ServerOptions;
import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.http.ErrorHandling;
import io.vidforge.http.Handlers;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A segment node wired like {@link io.vidforge.Node} (same platform, error handling and routing order,
 * real HTTP on a free port, real S3 and database) but whose origin a test can wrap: to count reads or
 * to slow them down. Tests of plain routing use the real Node instead. One difference: TCP_NODELAY is
 * on, so latency measurements see the node's work rather than Nagle's algorithm.
 */
final class SegmentTestNode implements AutoCloseable {
    private final Platform platform;
    private final SegmentModule module;
    private final WebServer server;

    private SegmentTestNode(Platform platform, SegmentModule module, WebServer server) {
        this.platform = platform;
        this.module = module;
        this.server = server;
    }

    static SegmentTestNode start(Map<String, String> env, String nodeId, Map<String, String> overrides,
                                 UnaryOperator<Origin> wrapOrigin) {
        Map<String, String> m = new HashMap<>(env);
        m.put("NODE_ID", nodeId);
        m.putAll(overrides);
        Platform platform = Platform.open(Settings.of(m), nodeId, Clock.systemUTC());
        SegmentModule module = null;
        try {
            module = new SegmentModule(platform, wrapOrigin.apply(new S3Origin(platform.store())));
            HttpRouting.Builder routing = HttpRouting.builder();
            Node.errorHandling(routing);
            module.routing(routing);
            routing.any(Handlers.notFound());
            // The connection settings of real nodes (TCP_NODELAY, blocking sockets): see Node.
            WebServer server = ServerOptions.connectionSettings(WebServer.builder())
                    .host("127.0.0.1")
                    .port(0)
                    .maxPayloadSize(-1)
                    .directHandlers(ErrorHandling.directHandlers())
                    .routing(routing)
                    .build()
                    .start();
            module.start();
            return new SegmentTestNode(platform, module, server);
        } catch (RuntimeException e) {
            if (module != null) {
                module.close();
            }
            platform.close();
            throw e;
        }
    }

    Platform platform() {
        return platform;
    }

    SegmentModule module() {
        return module;
    }

    String nodeId() {
        return platform.nodeId();
    }

    Path logDir() {
        return platform.settings().logDir();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port()).resolve(path);
    }

    @Override
    public void close() {
        platform.draining().set(true);
        module.close();
        server.stop();
        platform.close();
    }
}
