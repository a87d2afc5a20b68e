package io.vidforge.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One place that turns failures into the contract's JSON errors: refused requests keep their status,
 * an unreachable database or S3 is a 503 the client may retry, and nothing ever shows a stack trace.
 */
public final class ErrorHandling {
    private static final Logger LOG = Logger.getLogger(ErrorHandling.class.getName());

    private ErrorHandling() {
    }

    /**
     * A failure of a dependency (database, object storage) answered as a 503 the client may retry,
     * logged as a warning naming the path. The node says which exception means which dependency, so
     * this package knows none of them.
     */
    public static <T extends Throwable> void unavailable(HttpRouting.Builder routing, Class<T> type, String what,
                                                         String code, String message) {
        routing.error(type, (req, res, e) -> {
            LOG.log(Level.WARNING, what + " failure on " + req.path().absolute().path() + ": " + e.getMessage());
            send(res, 503, code, message);
        });
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, (req, res, e) -> {
            if (e.retryAfterSeconds() > 0) {
                res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
            }
            send(res, e.status(), e.code(), e.getMessage());
        });
        routing.error(RequestException.class, (req, res, e) -> {
            int status = e.status() == null ? 400 : e.status().code();
            send(res, status, status == 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", safe(e.getMessage()));
        });
        // Helidon's own refusals (a bad Range on static files, …) keep their 4xx status.
        routing.error(HttpException.class, (req, res, e) -> {
            int status = e.status().code();
            if (status == 304) {
                // "Not modified" is how static content answers a revalidation: an answer, not an error.
                res.status(e.status()).send();
                return;
            }
            if (status >= 500) {
                LOG.log(Level.WARNING, "HTTP layer failure on " + req.path().path() + ": " + e.getMessage());
            }
            send(res, status, codeFor(e.status()), safe(e.getMessage()));
        });
        routing.error(Exception.class, (req, res, e) -> {
            LOG.log(Level.SEVERE, "unexpected failure on " + req.prologue().method().text() + " "
                    + req.path().absolute().path(), e);
            send(res, 500, "INTERNAL_ERROR", "The request failed unexpectedly; it was logged.");
        });
    }

    /** Requests that fail before routing (malformed request line, headers too large) also get JSON. */
    public static DirectHandlers directHandlers() {
        DirectHandler json = (request, eventType, status, headers, message) -> {
            byte[] body = Json.write(Responses.errorBody(codeFor(status), safe(message)))
                    .getBytes(StandardCharsets.UTF_8);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .entity(body)
                    .build();
        };
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            b.addHandler(t, json);
        }
        return b.build();
    }

    private static void send(ServerResponse res, int status, String code, String message) {
        if (res.isSent()) {
            return;
        }
        if (status == 405) {
            res.header(HeaderNames.ALLOW, "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
        }
        Responses.error(res, status, code, message);
    }

    private static String codeFor(Status status) {
        return switch (status.code()) {
            case 400 -> "BAD_REQUEST";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 414 -> "URI_TOO_LONG";
            case 431 -> "HEADERS_TOO_LARGE";
            case 503 -> "UNAVAILABLE";
            default -> status.code() >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
        };
    }

    /** Messages from the HTTP layer may quote client input; keep them short and single-line. */
    private static String safe(String message) {
        if (message == null || message.isBlank()) {
            return "The request could not be processed.";
        }
        String m = message.replaceAll("[\\r\\n\\t]+", " ");
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }
}
