package io.vidforge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** API_TOKEN: delete, force-reprocess and admin routes need the bearer token; everything else stays open. */
class ApiTokenGuardTest {

    @Test
    void with_api_token_set_guarded_routes_answer_401_json_without_the_right_bearer_token() {
        try (Node node = TestNodes.start(TestNodes.environment("token"), "upload-1", Set.of(Role.UPLOAD),
                Map.of("API_TOKEN", "op-secret-42"), Clock.systemUTC())) {
            String id = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(5_000, 71), "video/mp4")
                    .json().get("video_id").asText();
            URI admin = node.baseUri().resolve("/admin/webhooks");
            URI force = node.baseUri().resolve("/videos/" + id + "/process?force=true");
            URI video = node.baseUri().resolve("/videos/" + id);
            for (String auth : new String[] {null, "Bearer wrong", "op-secret-42", "Basic b3A6c2VjcmV0"}) {
                for (Http.Response r : new Http.Response[] {send("GET", admin, auth), send("POST", force, auth),
                        send("DELETE", video, auth)}) {
                    assertEquals(401, r.status(), auth + ": " + r.text());
                    assertEquals("UNAUTHORIZED", r.json().get("error").get("code").asText());
                    assertEquals("Bearer realm=\"vidforge\"", r.header("WWW-Authenticate"));
                }
            }
            assertEquals(200, send("GET", admin, "Bearer op-secret-42").status());
            assertEquals(202, send("POST", force, "bearer op-secret-42").status(), "the scheme is case-insensitive");
            // Reads, uploads and the plain manual trigger stay open.
            assertEquals(200, send("GET", video, null).status());
            assertEquals(202, send("POST", node.baseUri().resolve("/videos/" + id + "/process"), null).status());
            assertEquals(200, send("GET", node.baseUri().resolve("/openapi.json"), null).status());
            Http.Response deleted = send("DELETE", video, "Bearer op-secret-42");
            assertEquals(202, deleted.status(), deleted.text());
            assertEquals("deleted", deleted.json().get("status").asText());
        }
    }

    @Test
    void without_api_token_nothing_is_guarded() {
        try (Node node = TestNodes.start(TestNodes.environment("notoken"), "upload-1", Set.of(Role.UPLOAD))) {
            assertEquals(200, send("GET", node.baseUri().resolve("/admin/webhooks"), null).status());
        }
    }

    private static Http.Response send(String method, URI uri, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return Http.send(b);
    }
}
