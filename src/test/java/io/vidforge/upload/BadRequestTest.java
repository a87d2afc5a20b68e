package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad request gets the contract's JSON error with the right status, never a 500, and stores nothing. */
@Tag("db")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestTest {
    private static final String ID = "a".repeat(64);
    private Node node;
    private ObjectStore store;

    @BeforeAll
    void start() {
        Map<String, String> env = TestNodes.environment("badrequests");
        node = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD), Map.of("MAX_UPLOAD_BYTES", "100000"),
                java.time.Clock.systemUTC());
        store = TestS3.store(env);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    record Case(String name, HttpRequest.Builder request, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    Stream<Arguments> cases() {
        String boundary = "XyZ";
        byte[] pdf = "%PDF-1.7\n%âãÏÓ\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};
        return Stream.of(
                c("empty raw body", post("/upload", new byte[0], "video/mp4"), 400, "EMPTY_BODY"),
                c("empty multipart file part", post("/upload", multipart(boundary, "file", new byte[0]),
                        "multipart/form-data; boundary=" + boundary), 400, "EMPTY_BODY"),
                c("multipart without a file part", post("/upload", multipart(boundary, "other", new byte[] {1, 2}),
                        "multipart/form-data; boundary=" + boundary), 400, "MISSING_FILE_PART"),
                c("multipart without a boundary", post("/upload", "--x\r\n".getBytes(StandardCharsets.UTF_8),
                        "multipart/form-data"), 400, "MALFORMED_MULTIPART"),
                c("truncated multipart", post("/upload", ("--" + boundary + "\r\nContent-Disposition: form-data;"
                        + " name=\"file\"; filename=\"a.mp4\"\r\n\r\n\u0000\u0000\u0000\u0018ftypmp42 and then nothing")
                        .getBytes(StandardCharsets.UTF_8), "multipart/form-data; boundary=" + boundary),
                        400, "MALFORMED_MULTIPART"),
                c("over the maximum size by Content-Length", post("/upload", SampleBytes.pseudoMp4(100_001, 7),
                        "video/mp4"), 413, "PAYLOAD_TOO_LARGE"),
                c("over the maximum size while streaming", HttpRequest.newBuilder().POST(
                        HttpRequest.BodyPublishers.ofInputStream(() ->
                                new java.io.ByteArrayInputStream(SampleBytes.pseudoMp4(300_000, 8))))
                        .uri(node.baseUri().resolve("/upload")), 413, "PAYLOAD_TOO_LARGE"),
                c("a PDF", post("/upload", pdf, "video/mp4"), 415, "UNSUPPORTED_MEDIA_TYPE"),
                c("a PNG image", post("/upload", png, "application/octet-stream"), 415, "UNSUPPORTED_MEDIA_TYPE"),
                c("plain text", post("/upload", "hello, I am not a video".getBytes(StandardCharsets.UTF_8),
                        "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"),
                c("malformed video id", get("/videos/not-an-id"), 400, "INVALID_VIDEO_ID"),
                c("upper-case video id", get("/videos/" + ID.toUpperCase()), 400, "INVALID_VIDEO_ID"),
                c("path traversal as id", get("/videos/..%2F..%2Fetc%2Fpasswd"), 404, "NOT_FOUND"),
                c("dot segments in id", get("/videos/..."), 400, "INVALID_VIDEO_ID"),
                c("unknown video id", get("/videos/" + ID), 404, "NOT_FOUND"),
                c("process of unknown video", post("/videos/" + ID + "/process", new byte[0], null), 404, "NOT_FOUND"),
                c("bad status filter", get("/videos?status=done"), 400, "INVALID_STATUS"),
                c("bad limit", get("/videos?limit=0"), 400, "INVALID_LIMIT"),
                c("non-numeric limit", get("/videos?limit=ten"), 400, "INVALID_LIMIT"),
                c("bad cursor", get("/videos?after=xyz"), 400, "INVALID_CURSOR"),
                c("GET on /upload", get("/upload"), 405, "METHOD_NOT_ALLOWED"),
                c("DELETE of an unknown video", method("/videos/" + ID, "DELETE"), 404, "NOT_FOUND"),
                c("DELETE with a malformed id", method("/videos/not-an-id", "DELETE"), 400, "INVALID_VIDEO_ID"),
                c("PUT on a video", method("/videos/" + ID, "PUT"), 405, "METHOD_NOT_ALLOWED"),
                c("PUT on /videos", method("/videos", "PUT"), 405, "METHOD_NOT_ALLOWED"),
                c("unknown path", get("/nothing/here"), 404, "NOT_FOUND"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bad_request_gets_json_error_with_the_right_status(Case c) {
        Http.Response r = Http.send(c.request());
        assertEquals(c.status(), r.status(), c.name() + ": " + r.text());
        assertTrue(r.header("Content-Type").startsWith("application/json"), c.name());
        JsonNode err = r.json().get("error");
        assertEquals(c.code(), err.get("code").asText(), c.name());
        assertFalse(err.get("message").asText().isBlank());
        assertFalse(r.text().contains("Exception"), "no stack trace or exception name: " + r.text());
    }

    @Test
    void refused_uploads_store_nothing() {
        for (Arguments a : cases().toList()) {
            Http.send(((Case) a.get()[0]).request());
        }
        assertEquals(List.of(io.vidforge.bucket.DeploymentId.OBJECT_KEY), store.list(""),
                "no object of any kind but the deployment id the node wrote at start");
        assertEquals(0, node.platform().videos().list(null, 10, null).size());
    }

    private Arguments c(String name, HttpRequest.Builder b, int status, String code) {
        return Arguments.of(new Case(name, b, status, code));
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(node.baseUri().resolve(path)).GET();
    }

    private HttpRequest.Builder method(String path, String method) {
        return HttpRequest.newBuilder(node.baseUri().resolve(path)).method(method, HttpRequest.BodyPublishers.noBody());
    }

    private HttpRequest.Builder post(String path, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.baseUri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return b;
    }

    private static byte[] multipart(String boundary, String field, byte[] content) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"v.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
