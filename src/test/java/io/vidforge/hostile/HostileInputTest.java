package io.vidforge.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.json.Json;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.RawHttp;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Generated hostile requests against a node running every role: path traversal in ids, sessions,
 * variants and file names, bad ranges, huge headers, wrong methods, broken multipart and tus headers.
 * Whatever arrives: no 5xx, no stack trace, a JSON error for every refusal, and nothing written
 * outside the places the platform writes to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final Pattern ALLOWED_KEYS = Pattern.compile(
            "raw/[0-9a-f]{64}|videos/[0-9a-f]{64}/.+|tus/[0-9a-f]{32}/\\d{20}-[0-9a-f-]{36}");
    private static final Pattern STACK_TRACE = Pattern.compile("Exception|\\bat (io|java|jdk)\\.[\\w.$]+\\(");
    private static final long SEED = 20261121L;

    private Map<String, String> env;
    private Node node;
    private ObjectStore store;
    private String videoId;
    private String variant;
    private String uploadId;
    private Path dataDir;
    private List<Path> filesBefore;
    private List<String> keysBefore;

    @BeforeAll
    void start() throws IOException {
        env = TestNodes.environment("hostile");
        dataDir = Path.of(env.get("DATA_DIR"));
        node = TestNodes.start(env, "all-1", EnumSet.allOf(Role.class), Map.of("MAX_UPLOAD_BYTES", "2000000",
                "ORCHESTRATOR_AUTOSTART", "false", "WORKER_AUTOSTART", "false"), java.time.Clock.systemUTC());
        store = TestS3.store(env);
        FakeLadder.Published v = FakeLadder.publish(node.platform(), "hostile", 2, 4, 2_000);
        videoId = v.videoId();
        variant = v.variants().get(0).name();
        RawHttp.Answer created = RawHttp.request(node.port(), "POST", "/uploads",
                "Tus-Resumable: 1.0.0\r\nUpload-Length: 1000\r\n", new byte[0]);
        assertEquals(201, created.status(), created.head());
        uploadId = created.header("Location").substring("/uploads/".length());
        filesBefore = files(dataDir);
        keysBefore = store.list("");
    }

    @AfterAll
    void stop() {
        node.close();
    }

    /** Building blocks: each generated request combines a method, a target and headers/body. */
    private List<String> targets() {
        String v = videoId;
        return List.of(
                "/videos/" + v, "/videos/../../etc/passwd", "/videos/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/videos/" + v.toUpperCase(), "/videos/" + v + "%00", "/videos/" + v + "/process?force=maybe",
                "/videos?limit=-5", "/videos?limit=99999999999", "/videos?status=%27%3B%20DROP%20TABLE%20videos",
                "/videos?after=" + "f".repeat(64), "/play/" + v + "/master.m3u8?session=../../x",
                "/play/" + v + "/master.m3u8?session=" + "s".repeat(65), "/play/../" + v + "/master.m3u8",
                "/play/" + v + "/poster.jpg", "/s/sess/" + v + "/master.m3u8",
                "/s/sess/" + v + "/" + variant + "/index.m3u8", "/s/sess/" + v + "/" + variant + "/seg_00001.m4s",
                "/s/sess/" + v + "/" + variant + "/seg_99999.m4s", "/s/sess/" + v + "/..%2f..%2fraw/index.m3u8",
                "/s/sess/" + v + "/" + variant + "/..%2F..%2Finit.mp4", "/s/sess/" + v + "/../../etc/passwd",
                "/s/se$$/" + v + "/" + variant + "/init.mp4", "/s/sess/" + v + "/" + variant + "/seg_1.m4s",
                "/s/sess/" + v + "/" + variant + "/index.m3u8%00.jpg", "/s/sess/" + v + "/nonexistent/index.m3u8",
                "/s/sess/" + v + "/" + variant + "/shape", "/s/sess/shape?kbps=-1", "/s/sess/shape?kbps=abc",
                "/s/" + "a".repeat(300) + "/" + v + "/master.m3u8", "/uploads/" + uploadId,
                "/uploads/../../etc/passwd", "/uploads/%00", "/upload?title=" + "%FF%FE".repeat(50),
                "/player/../../../../etc/passwd", "/player/%2e%2e/%2e%2e/pom.xml", "/player/index.html",
                "/health?x=" + "y".repeat(2000), "//videos", "/videos//" + v, "/", "*");
    }

    private List<String> headerSets() {
        return List.of("",
                "Range: bytes=abc\r\n", "Range: bytes=5-2\r\n", "Range: bytes=99999999-\r\n", "Range: bytes=-0\r\n",
                "Range: bytes=0-1,4-5\r\n", "Range: bytes=-999999999999999999999\r\n",
                "Tus-Resumable: 1.0.0\r\nUpload-Offset: -1\r\nContent-Type: application/offset+octet-stream\r\n",
                "Tus-Resumable: 1.0.0\r\nUpload-Offset: abc\r\nContent-Type: application/offset+octet-stream\r\n",
                "Tus-Resumable: 0.2.2\r\nUpload-Offset: 0\r\n",
                "Tus-Resumable: 1.0.0\r\nUpload-Length: 99999999999999999999\r\n",
                "Tus-Resumable: 1.0.0\r\nUpload-Length: 10\r\nUpload-Metadata: filename !!!notbase64\r\n",
                "Tus-Resumable: 1.0.0\r\nUpload-Checksum: crc32 AAAA\r\nUpload-Offset: 0\r\n"
                        + "Content-Type: application/offset+octet-stream\r\n",
                "X-HTTP-Method-Override: TRACE\r\n",
                "Content-Type: multipart/form-data; boundary=\r\n",
                "Content-Type: multipart/form-data; boundary=zz\r\n",
                "Content-Type: multipart/form-data\r\n",
                "CMCD-Request: nor=\"../../../raw/x\"\r\n",
                "Content-Type: " + "x".repeat(5000) + "\r\n");
    }

    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "TRACE", "PROPFIND");

    private static final List<byte[]> BODIES = List.of(new byte[0],
            "--zz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".getBytes(StandardCharsets.UTF_8),
            "--zz--\r\n".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p'},
            "{\"video_id\":\"../../\"}".getBytes(StandardCharsets.UTF_8));

    @Test
    void generated_hostile_requests_never_cause_5xx_stack_traces_or_stray_files() throws IOException {
        Random rnd = new Random(SEED);
        List<String> targets = targets();
        List<String> headers = headerSets();
        List<String> failures = new ArrayList<>();
        int requests = 400;
        for (int i = 0; i < requests; i++) {
            String method = METHODS.get(rnd.nextInt(METHODS.size()));
            String target = targets.get(rnd.nextInt(targets.size()));
            String hdrs = headers.get(rnd.nextInt(headers.size()));
            byte[] body = method.equals("GET") || method.equals("HEAD") ? null : BODIES.get(rnd.nextInt(BODIES.size()));
            RawHttp.Answer a = RawHttp.request(node.port(), method, target, hdrs, body);
            String what = method + " " + target + " [" + hdrs.replace("\r\n", "; ") + "]";
            check(what, method, a, failures);
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + requests + " hostile requests misbehaved:\n" + String.join("\n", failures));
        }
        assertNothingStray();
    }

    @Test
    void huge_headers_and_malformed_request_lines_get_json_errors() throws IOException {
        List<String> failures = new ArrayList<>();
        byte[][] raw = {
                ("GET /videos HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET /videos HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "X-H: v\r\n".repeat(3000) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET /" + "v".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                "GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET /videos HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET /videos HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: -5\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII),
                "POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                        .getBytes(StandardCharsets.US_ASCII)};
        for (byte[] r : raw) {
            RawHttp.Answer a = RawHttp.send(node.port(), r);
            String first = new String(r, 0, Math.min(60, r.length), StandardCharsets.US_ASCII).replace("\r\n", " ");
            if (a.status() == -1) {
                continue; // the server closed the connection without an answer: acceptable for garbage
            }
            check(first, "GET", a, failures);
            if (a.status() < 400) {
                failures.add(first + ": accepted with " + a.status());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(200, RawHttp.request(node.port(), "GET", "/health", "", null).status(), "still healthy");
        assertNothingStray();
    }

    private static void check(String what, String method, RawHttp.Answer a, List<String> failures) {
        if (a.status() >= 500 && a.status() != 503) {
            failures.add(what + " -> " + a.status() + " " + a.text());
            return;
        }
        if (a.status() == -1) {
            failures.add(what + " -> no HTTP answer: " + a.head());
            return;
        }
        if (STACK_TRACE.matcher(a.text()).find() || STACK_TRACE.matcher(a.head()).find()) {
            failures.add(what + " -> stack trace in the answer: " + a.text());
        }
        if (a.status() >= 400 && !method.equals("HEAD") && a.body().length > 0) {
            try {
                JsonNode err = Json.MAPPER.readTree(a.body()).get("error");
                if (err == null || !err.hasNonNull("code") || !err.hasNonNull("message")) {
                    failures.add(what + " -> " + a.status() + " without the JSON error shape: " + a.text());
                }
            } catch (IOException e) {
                failures.add(what + " -> " + a.status() + " with a non-JSON body: " + a.text());
            }
        }
    }

    private void assertNothingStray() throws IOException {
        for (String key : store.list("")) {
            assertTrue(keysBefore.contains(key) || ALLOWED_KEYS.matcher(key).matches(), "object outside its place: " + key);
        }
        List<Path> after = files(dataDir);
        for (Path p : after) {
            if (!filesBefore.contains(p)) {
                String rel = dataDir.relativize(p).toString();
                assertTrue(rel.startsWith("logs/") || rel.startsWith("work/") || rel.startsWith("db/"),
                        "file written outside its place: " + rel);
            }
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
