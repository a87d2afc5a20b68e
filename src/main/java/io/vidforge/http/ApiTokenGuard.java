package io.vidforge.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * A lock on the door for an operator who exposes the API, not a user system: when {@code API_TOKEN} is
 * set, deleting a video, forcing a ready video through processing again and every {@code /admin/} route
 * need {@code Authorization: Bearer <API_TOKEN>}; anything else answers {@code 401 UNAUTHORIZED} (JSON).
 * Reads, uploads and playback stay open. Checked before routing, so a guarded path gives away nothing,
 * not even whether it exists.
 */
public final class ApiTokenGuard implements Filter {
    private static final Pattern VIDEO = Pattern.compile("^/videos/[^/]+/?$");
    private static final Pattern PROCESS = Pattern.compile("^/videos/[^/]+/process/?$");

    private final byte[] token;

    /** {@code token} null or blank: no guard. */
    public ApiTokenGuard(String token) {
        this.token = token == null || token.isBlank() ? null : token.trim().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (token != null && guarded(req.prologue().method(), req.path().path(),
                req.query().first("force").map(Boolean::parseBoolean).orElse(false))
                && !authorized(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"vidforge\"");
            Responses.error(res, 401, "UNAUTHORIZED",
                    "This route needs Authorization: Bearer <API_TOKEN> (the token the operator set).");
            return;
        }
        chain.proceed();
    }

    /** Delete, force-reprocess and admin routes. */
    static boolean guarded(Method method, String path, boolean force) {
        return path.startsWith("/admin/") || path.equals("/admin")
                || method == Method.DELETE && VIDEO.matcher(path).matches()
                || method == Method.POST && force && PROCESS.matcher(path).matches();
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant time: the comparison must not tell how much of a guess was right.
        return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }
}
