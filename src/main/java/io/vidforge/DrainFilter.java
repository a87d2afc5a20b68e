package io.vidforge;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.vidforge.http.ApiException;
import io.vidforge.http.DrainingRefusal;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's first routing filter: names the node on every answer, rejects an invalid Content-Length,
 * counts the requests in flight (so a stopping node can wait for them) and, while the node drains,
 * refuses new reads with {@code NODE_DRAINING} so nginx retries them on another node.
 */
final class DrainFilter implements Filter {
    private static final HeaderName X_NODE_ID = HeaderNames.create("X-Node-Id");

    private final String nodeId;
    private final AtomicBoolean draining;
    private final DrainingRefusal refusal;
    private final AtomicInteger inFlight = new AtomicInteger();

    DrainFilter(String nodeId, AtomicBoolean draining, DrainingRefusal refusal) {
        this.nodeId = nodeId;
        this.draining = draining;
        this.refusal = refusal;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Every answer names its node: nginx cannot tell which upstream it chose, the node can.
        res.header(X_NODE_ID, nodeId);
        // Counted before the draining check: close() sets draining, then waits for the count, so
        // every request either sees draining or is waited for.
        inFlight.incrementAndGet();
        try {
            rejectInvalidContentLength(req);
            if (draining.get()) {
                // nginx then drops its kept-alive connections to this node instead of reusing one
                // that is about to close.
                res.header(HeaderValues.CONNECTION_CLOSE);
                if (refusedWhileDraining(req)) {
                    refusal.send(req, res);
                    return;
                }
            }
            chain.proceed();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Requests being served right now. */
    int inFlight() {
        return inFlight.get();
    }

    /** Waits until no request is in flight, or the timeout. Polls (shutdown only): no lock on the request path. */
    boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
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

    /** HTTP/1.1 forbids a negative or non-numeric Content-Length; Helidon would treat it as no body. */
    private static void rejectInvalidContentLength(ServerRequest req) {
        req.headers().first(HeaderNames.CONTENT_LENGTH).ifPresent(v -> {
            boolean valid;
            try {
                valid = Long.parseLong(v.trim()) >= 0;
            } catch (NumberFormatException e) {
                valid = false;
            }
            if (!valid) {
                throw ApiException.badRequest("BAD_CONTENT_LENGTH", "Content-Length must be a non-negative whole number.");
            }
        });
    }

    /**
     * Reads are refused while draining (nginx retries them elsewhere); health and writes are served.
     * Playback routes refuse on their own (PlaybackRoutes, with its CORS headers).
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
}
