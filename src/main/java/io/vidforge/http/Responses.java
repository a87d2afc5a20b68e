package io.vidforge.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes JSON bodies and the contract's error shape. */
public final class Responses {
    private Responses() {
    }

    public static void json(ServerResponse res, int status, Object body) {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(bytes);
    }

    public static void error(ServerResponse res, int status, String code, String message) {
        json(res, status, errorBody(code, message));
    }

    public static Map<String, Object> errorBody(String code, String message) {
        return Map.of("error", Map.of("code", code, "message", message));
    }
}
