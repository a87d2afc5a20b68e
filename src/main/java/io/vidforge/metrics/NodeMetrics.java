package io.vidforge.metrics;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Platform;
import io.vidforge.tasks.TaskRepository;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The metrics of one node: counters derived from its event log, request timing from a routing filter,
 * queue depth from the database at scrape time, and gauges its roles offer (cache size, pending
 * read-ahead). {@code GET /metrics} renders them all.
 */
public final class NodeMetrics implements AutoCloseable {
    private final MetricsRegistry registry = new MetricsRegistry();
    private final Platform platform;
    private final EventMetrics events;
    private final HttpMetrics http;

    private NodeMetrics(Platform platform, String role) {
        this.platform = platform;
        String nodeId = platform.nodeId();
        registry.gauge("vidforge_node_info", "This node: id and roles (always 1).", List.of("node_id", "role"),
                () -> Map.of(List.of(nodeId, role), 1.0));
        this.http = new HttpMetrics(registry);
        this.events = new EventMetrics(registry);
        new QueueGauges(new TaskRepository(platform.sql()), platform.videos()).register(registry);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        registry.gauge("vidforge_jvm_heap_used_bytes", "JVM heap in use.",
                () -> (double) memory.getHeapMemoryUsage().getUsed());
        registry.gauge("vidforge_jvm_heap_max_bytes", "JVM heap limit (-Xmx).",
                () -> (double) memory.getHeapMemoryUsage().getMax());
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();
        registry.gauge("vidforge_process_start_time_seconds", "When this JVM started (Unix time).",
                () -> started / 1000.0);
        platform.eventLog().addListener(events);
    }

    /** Creates the node's metrics and starts deriving counters from its event log. */
    public static NodeMetrics attach(Platform platform, String role) {
        return new NodeMetrics(platform, role);
    }

    /** The routing filter that times every request; add it before the routes. */
    public Filter requestFilter() {
        return http;
    }

    /** Registers {@code GET /metrics}. */
    public void routing(HttpRouting.Builder routing) {
        routing.register("/metrics", new MetricsService(registry));
    }

    /** An unlabelled gauge a role offers (read at scrape time). */
    public void gauge(String name, String help, Supplier<Double> value) {
        registry.gauge(name, help, value);
    }

    public MetricsRegistry registry() {
        return registry;
    }

    /** The Prometheus text, as {@code GET /metrics} answers it. */
    public String scrape() {
        return registry.render();
    }

    @Override
    public void close() {
        platform.eventLog().removeListener(events);
    }
}
