package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An upload node receives at most MAX_CONCURRENT_UPLOADS bodies at once (each holds a part buffer): one
 * more is refused at once with 503 UPLOADS_BUSY and a Retry-After, stores nothing, and succeeds when
 * retried after a slot is free; the uploads in progress are not disturbed.
 */
@Tag("db")
class UploadConcurrencyLimitTest {

    @Test
    void uploads_beyond_the_limit_get_503_with_retry_after_and_succeed_when_retried() throws Exception {
        Map<String, String> env = TestNodes.environment("uploadcap");
        try (Node node = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD), Map.of("MAX_CONCURRENT_UPLOADS", "2"),
                java.time.Clock.systemUTC())) {
            UploadSlots slots = node.module(UploadModule.class).slots();
            byte[] first = SampleBytes.pseudoMp4(3_000_000, 11);
            byte[] second = SampleBytes.pseudoMp4(3_000_000, 12);
            List<HeldUpload> held = new ArrayList<>();
            try {
                held.add(HeldUpload.start(node.port(), first));
                held.add(HeldUpload.start(node.port(), second));
                Await.until(Duration.ofSeconds(30), "both uploads hold a slot", () -> slots.inUse() == 2);

                byte[] third = SampleBytes.pseudoMp4(200_000, 13);
                URI upload = node.baseUri().resolve("/upload?filename=third.mp4");
                Http.Response refused = Http.post(upload, third, "video/mp4");
                assertEquals(503, refused.status(), refused.text());
                assertEquals("UPLOADS_BUSY", refused.json().path("error").path("code").asText(), refused.text());
                assertEquals(String.valueOf(UploadSlots.RETRY_AFTER_SECONDS), refused.header("Retry-After"));

                // A tus PATCH is an upload body too: refused the same way, its offset unchanged.
                Http.Response created = Http.send(HttpRequest.newBuilder(node.baseUri().resolve("/uploads"))
                        .header("Tus-Resumable", "1.0.0").header("Upload-Length", Integer.toString(third.length))
                        .POST(HttpRequest.BodyPublishers.noBody()));
                assertEquals(201, created.status(), created.text());
                URI tusUrl = node.baseUri().resolve(created.header("Location"));
                Http.Response patch = Http.send(HttpRequest.newBuilder(tusUrl)
                        .header("Tus-Resumable", "1.0.0").header("Upload-Offset", "0")
                        .header("Content-Type", "application/offset+octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(third)));
                assertEquals(503, patch.status(), patch.text());
                assertEquals("UPLOADS_BUSY", patch.json().path("error").path("code").asText());
                Http.Response head = Http.send(HttpRequest.newBuilder(tusUrl).header("Tus-Resumable", "1.0.0")
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
                assertEquals("0", head.header("Upload-Offset"), "the refused PATCH stored nothing");

                Path logs = Path.of(env.get("DATA_DIR"), "logs");
                List<JsonNode> refusals = EventLogs.events(logs, "UPLOAD_REFUSED", e -> true);
                assertEquals(2, refusals.size(), refusals.toString());
                assertTrue(refusals.stream().allMatch(e -> "too_many_uploads".equals(e.path("reason").asText())));
                assertEquals(List.of(), EventLogs.events(logs, "UPLOAD_RECEIVED", e -> true),
                        "nothing was received while both slots were held");

                // The held uploads finish untouched, and then the refused ones go through on retry.
                for (HeldUpload h : held) {
                    assertEquals(201, h.finish(), "held upload completes");
                }
                Await.until(Duration.ofSeconds(30), "slots released", () -> slots.inUse() == 0);
                assertEquals(201, Http.post(upload, third, "video/mp4").status());
                Http.Response resumed = Http.send(HttpRequest.newBuilder(tusUrl)
                        .header("Tus-Resumable", "1.0.0").header("Upload-Offset", "0")
                        .header("Content-Type", "application/offset+octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(third)));
                assertEquals(204, resumed.status(), resumed.text());
                assertEquals(3, node.platform().videos().list(null, 10, null).size(),
                        "three distinct videos: the two held ones and the third (its tus copy is a duplicate)");
            } finally {
                for (HeldUpload h : held) {
                    h.close();
                }
            }
        }
    }

    /**
     * MinIO's own stream put reads the client's body on the common ForkJoinPool (one thread on 2 cores):
     * one stalled client then held up every other upload of the node. Each upload now reads its own body.
     */
    @Test
    void a_stalled_upload_client_does_not_hold_up_other_uploads() throws Exception {
        Map<String, String> env = TestNodes.environment("uploadstall");
        try (Node node = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD))) {
            UploadSlots slots = node.module(UploadModule.class).slots();
            try (HeldUpload stalled = HeldUpload.start(node.port(), SampleBytes.pseudoMp4(20_000_000, 21))) {
                Await.until(Duration.ofSeconds(30), "the stalled upload is being received", () -> slots.inUse() == 1);
                // Larger than one 8 MiB part, so it takes the multipart path, and a small one-part upload.
                for (int size : new int[] {20_000_000, 300_000}) {
                    Http.Response r = Http.post(node.baseUri().resolve("/upload?filename=other.mp4"),
                            SampleBytes.pseudoMp4(size, size), "video/mp4");
                    assertEquals(201, r.status(), r.text());
                    assertEquals(size, r.json().path("size_bytes").asLong());
                }
                Await.until(Duration.ofSeconds(10), "only the stalled upload holds a slot", () -> slots.inUse() == 1);
                assertEquals(201, stalled.finish(), "and completes once its client sends the rest");
            }
        }
    }

    /** A raw-socket upload that sends its head and half its body, then waits to be finished. */
    private static final class HeldUpload implements AutoCloseable {
        private final Socket socket;
        private final byte[] body;

        private HeldUpload(Socket socket, byte[] body) {
            this.socket = socket;
            this.body = body;
        }

        static HeldUpload start(int port, byte[] body) throws Exception {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, body.length / 2);
            out.flush();
            return new HeldUpload(s, body);
        }

        int finish() throws Exception {
            OutputStream out = socket.getOutputStream();
            out.write(body, body.length / 2, body.length - body.length / 2);
            out.flush();
            // Only the status line: the connection may stay open after the answer.
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            return Integer.parseInt(line.toString(StandardCharsets.ISO_8859_1).substring(9, 12));
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
