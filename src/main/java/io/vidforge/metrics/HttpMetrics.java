package io.vidforge.metrics;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Request counts and latencies by route class, method and status, from one routing filter. The time is
 * taken from the filter's entry to the moment the response was sent (its last byte handed to the
 * socket), so streamed and throttled answers count in full. Requests refused before routing (malformed
 * request lines) are not seen.
 */
public final class HttpMetrics implements Filter {
    static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1, 2.5, 5, 10, 30, 60, 300};

    private final MetricsRegistry.Counter requests;
    private final MetricsRegistry.Histogram latency;

    HttpMetrics(MetricsRegistry registry) {
        this.requests = registry.counter("vidforge_http_requests_total",
                "HTTP requests answered, by route class, method and status.", "route", "method", "status");
        this.latency = registry.histogram("vidforge_http_request_duration_seconds",
                "Time from routing to the response being sent, by route class and status class.",
                LATENCY_BUCKETS, "route", "status_class");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long t0 = System.nanoTime();
        String route = routeClass(req.path().rawPath());
        String method = method(req.prologue().method().text());
        res.whenSent(() -> {
            int status = res.status().code();
            requests.inc(route, method, Integer.toString(status));
            latency.observe((System.nanoTime() - t0) / 1e9, route, status / 100 + "xx");
        });
        chain.proceed();
    }

    /** A bounded label for a request path: the kind of resource, never ids. */
    static String routeClass(String path) {
        if (path == null || path.isEmpty()) {
            return "other";
        }
        if (path.startsWith("/s/")) {
            if (path.endsWith("/master.m3u8")) {
                return slashes(path) == 4 ? "master" : "playlist";
            }
            if (path.endsWith(".m4s")) {
                return "segment";
            }
            if (path.endsWith(".m3u8")) {
                return "playlist";
            }
            if (path.endsWith(".mp4")) {
                return "init";
            }
            if (path.endsWith("/shape")) {
                return "shape";
            }
            return "playback_other";
        }
        if (path.startsWith("/play/")) {
            return path.endsWith(".jpg") ? "poster" : "master";
        }
        if (path.equals("/upload") || path.startsWith("/upload/")) {
            return "upload";
        }
        if (path.equals("/uploads") || path.startsWith("/uploads/")) {
            return "tus";
        }
        if (path.equals("/videos") || path.startsWith("/videos/")) {
            return "videos";
        }
        if (path.equals("/health") || path.startsWith("/health/")) {
            return "health";
        }
        if (path.equals("/metrics")) {
            return "metrics";
        }
        if (path.startsWith("/player")) {
            return "player";
        }
        return "other";
    }

    private static int slashes(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    private static String method(String m) {
        return switch (m) {
            case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" -> m;
            default -> "OTHER";
        };
    }
}
