package io.vidforge.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The answer of a draining node to a request it will not start: {@code NODE_DRAINING}, with the status
 * the proxy in front asks for.
 *
 * <p>nginx must move a draining node's sessions to another node, but must not mark a healthy node down
 * when it answers 503 because S3 or the database is out (that took every segment node out and refused
 * the cached segments too). Both are 503s to a client, so nginx cannot tell them apart by status: on the
 * playback routes it sends {@code X-Failover-Status: 502}, retries (and marks down) only on 502, and
 * turns a 502 that reaches the end into its own JSON 503. A client talking to the node directly sends
 * no such header and gets the contract's 503.
 */
public final class DrainingRefusal {
    public static final HeaderName FAILOVER_STATUS = HeaderNames.create("X-Failover-Status");
    private static final int DEFAULT = 503;

    private DrainingRefusal() {
    }

    /** 502 when the proxy asked for it, otherwise 503; no other status can be asked for. */
    public static int status(ServerRequest req) {
        return req.headers().first(FAILOVER_STATUS).map(String::trim).filter("502"::equals).map(s -> 502).orElse(DEFAULT);
    }

    public static ApiException exception(ServerRequest req) {
        return new ApiException(status(req), "NODE_DRAINING", "This node is shutting down; retry the request.");
    }
}
