package io.vidforge.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of the whole HTTP API, written by hand next to the
 * routes (src/main/resources/openapi.json) and checked against them by OpenApiDocumentTest: every route a
 * node registers is in it, every documented route answers with a documented status, and the main answers
 * match their schemas. Every node serves the same document, whatever its roles.
 */
public final class OpenApiDocument {
    private static final byte[] DOCUMENT = load();

    private OpenApiDocument() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.get("/openapi.json", (req, res) -> {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            res.send(DOCUMENT);
        }).any("/openapi.json", Handlers.methodNotAllowed());
    }

    private static byte[] load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
