package io.vidforge;

import io.helidon.webserver.http.HttpRouting;
import io.vidforge.metrics.NodeMetrics;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What one role adds to a node: routes, health checks, metrics and background loops. */
public interface RoleModule extends AutoCloseable {
    /** Registers this role's routes. */
    default void routing(HttpRouting.Builder routing) {
    }

    /** Named checks of the dependencies this role needs; all must pass for {@code /health} to be UP. */
    default Map<String, BooleanSupplier> healthChecks() {
        return Map.of();
    }

    /** Registers the gauges this role offers (read at scrape time). */
    default void metrics(NodeMetrics metrics) {
    }

    /** Starts background work, after the HTTP server is listening. */
    default void start() {
    }

    /** Stops background work; in-flight work is finished or handed back first. */
    @Override
    default void close() {
    }
}
