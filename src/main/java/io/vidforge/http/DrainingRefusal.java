package io.vidforge.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.function.BooleanSupplier;

/**
 * How a draining node refuses a request it will not start: {@code NODE_DRAINING}, with the status the
 * proxy in front asks for.
 *
 * <p>nginx must move a draining node's sessions to another node, but must not mark a healthy node down
 * when it answers 503 because S3 is out (that took every segment node out and refused the cached segments
 * too). Both are 503s to a client, so nginx cannot tell them apart by status: on the playback routes it
 * sends {@code X-Failover-Status: 502}, retries (and marks down) only on 502, and turns a 502 it could not
 * retry elsewhere into its own JSON 503. Only a node started behind that nginx ({@code BEHIND_PROXY=true},
 * set by {@code ./run.sh cluster}) honours the header: a client talking to a node directly always gets the
 * contract's 503, whatever it sends.
 */
public final class DrainingRefusal {
    public static final HeaderName FAILOVER_STATUS = HeaderNames.create("X-Failover-Status");
    private static final int DEFAULT = 503;
    private static final int PROXY_FAILOVER = 502;
    private static final String CODE = "NODE_DRAINING";
    private static final String MESSAGE = "This node is shutting down; retry the request.";

    private final BooleanSupplier draining;
    private final boolean behindProxy;

    public DrainingRefusal(BooleanSupplier draining, boolean behindProxy) {
        this.draining = draining;
        this.behindProxy = behindProxy;
    }

    public boolean draining() {
        return draining.getAsBoolean();
    }

    /** The refusal's status for this request. */
    public int status(ServerRequest req) {
        return statusFor(req.headers().first(FAILOVER_STATUS).orElse(null));
    }

    /** 502 when the node is behind the proxy and the proxy asked for exactly that; otherwise 503. */
    public int statusFor(String failoverHeader) {
        return behindProxy && failoverHeader != null && failoverHeader.trim().equals("502") ? PROXY_FAILOVER : DEFAULT;
    }

    /** Throws the refusal when the node is draining (handlers; the error handler answers it). */
    public void refuseIfDraining(ServerRequest req) {
        if (draining()) {
            throw new ApiException(status(req), CODE, MESSAGE);
        }
    }

    /** Answers the refusal directly (filters, which answer instead of throwing). */
    public void send(ServerRequest req, ServerResponse res) {
        Responses.error(res, status(req), CODE, MESSAGE);
    }
}
