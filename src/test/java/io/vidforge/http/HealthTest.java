package io.vidforge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.storage.EmbeddedS3;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** /health names the node and role, and turns 503 DOWN when a dependency is gone. */
class HealthTest {

    @Test
    void health_is_up_with_node_role_and_checks() {
        Map<String, String> env = TestNodes.environment("health");
        try (Node node = TestNodes.start(env, "upload-7", Set.of(Role.UPLOAD))) {
            Http.Response r = Http.get(node.baseUri().resolve("/health"));
            assertEquals(200, r.status());
            JsonNode j = r.json();
            assertEquals("UP", j.get("status").asText());
            assertEquals("upload-7", j.get("node_id").asText());
            assertEquals("upload", j.get("role").asText());
            assertEquals("UP", j.get("checks").get("database").asText());
            assertEquals("UP", j.get("checks").get("s3").asText());
        }
    }

    @Test
    void health_is_503_down_when_s3_is_unreachable_and_recovers_when_it_returns() throws Exception {
        var dir = Files.createTempDirectory("health-s3");
        EmbeddedS3 s3 = EmbeddedS3.start(dir, 0, "k", "secret-secret");
        int port = s3.port();
        Map<String, String> env = new HashMap<>(TestNodes.environment("health-down"));
        env.put("S3_ENDPOINT", s3.endpoint());
        env.put("S3_ACCESS_KEY", "k");
        env.put("S3_SECRET_KEY", "secret-secret");
        try (Node node = TestNodes.start(env, "upload-8", Set.of(Role.UPLOAD))) {
            assertEquals(200, Http.get(node.baseUri().resolve("/health")).status());
            s3.close();
            Http.Response down = Http.get(node.baseUri().resolve("/health"));
            assertEquals(503, down.status());
            assertEquals("DOWN", down.json().get("status").asText());
            assertEquals("DOWN", down.json().get("checks").get("s3").asText());
            assertEquals("UP", down.json().get("checks").get("database").asText());
            // An upload while S3 is down is a clear 503, not a 500.
            Http.Response upload = Http.post(node.baseUri().resolve("/upload"),
                    io.vidforge.testing.SampleBytes.pseudoMp4(1000, 1), "video/mp4");
            assertEquals(503, upload.status(), upload.text());
            assertEquals("STORAGE_UNAVAILABLE", upload.json().get("error").get("code").asText());

            s3 = EmbeddedS3.start(dir, port, "k", "secret-secret");
            assertEquals(200, Http.get(node.baseUri().resolve("/health")).status(), "healthy again without restart");
        } finally {
            s3.close();
        }
    }
}
