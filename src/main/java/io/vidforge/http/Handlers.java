package io.vidforge.http;

import io.helidon.webserver.http.Handler;

/** Shared route handlers. */
public final class Handlers {
    private Handlers() {
    }

    /** Registered with {@code any(path)} after a path's real methods: every other method gets 405. */
    public static Handler methodNotAllowed() {
        return (req, res) -> {
            throw new ApiException(405, "METHOD_NOT_ALLOWED",
                    req.prologue().method().text() + " is not supported on " + req.path().absolute().path() + ".");
        };
    }

    /** The last route: anything no service claimed. */
    public static Handler notFound() {
        return (req, res) -> {
            throw ApiException.notFound("No resource at " + req.path().absolute().path() + ".");
        };
    }
}
