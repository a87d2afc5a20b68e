package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Await;
import io.vidforge.testing.ChildNode;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Uploads stream: memory does not grow with size, and a broken stream leaves nothing behind. */
class StreamingUploadTest {

    /** A 256 MB chunked upload (no Content-Length) into a node whose heap is capped at 128 MB. */
    @Test
    void upload_larger_than_the_heap_streams_through_a_small_heap_node() throws Exception {
        Map<String, String> env = new HashMap<>(TestNodes.environment("bigupload"));
        env.remove("DB_URL"); // the child keeps its own H2 file database under its DATA_DIR
        env.remove("DB_USER");
        env.remove("DB_PASSWORD");
        env.put("NODE_ID", "upload-small-heap");
        long size = 256L * 1024 * 1024;
        try (ChildNode node = ChildNode.start(env, "upload", List.of("-Xmx128m"))) {
            PatternStream body = new PatternStream(size);
            Http.Response r = Http.send(HttpRequest.newBuilder(node.baseUri().resolve("/upload?filename=big.mp4"))
                    .header("Content-Type", "video/mp4")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)));
            assertEquals(201, r.status(), r.text() + "\n" + node.output());
            JsonNode json = r.json();
            assertEquals(size, json.get("size_bytes").asLong());
            String sha = body.sha256Hex();
            assertEquals(sha, json.get("content_sha256").asText(), "hash computed while streaming");
            ObjectStore store = TestS3.store(env);
            List<String> raw = store.list("raw/");
            assertEquals(1, raw.size(), raw.toString());
            assertEquals(Long.valueOf(size), store.size(raw.get(0)).orElseThrow());
            assertTrue(!node.output().contains("OutOfMemoryError"), node.output());
        }
    }

    @Test
    void client_that_disconnects_mid_upload_leaves_no_video_and_no_object() throws Exception {
        Map<String, String> env = TestNodes.environment("disconnect");
        try (Node node = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD))) {
            try (Socket s = new Socket("127.0.0.1", node.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
                        + "Content-Length: 50000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                // More than one multipart part (8 MiB) so an S3 multipart upload is under way when it breaks.
                InputStream data = new PatternStream(20L * 1024 * 1024);
                data.transferTo(out);
                out.flush();
            }
            Path logs = Path.of(env.get("DATA_DIR"), "logs");
            List<JsonNode> aborted = Await.value(Duration.ofSeconds(60), "UPLOAD_ABORTED in the log", () -> {
                List<JsonNode> l = EventLogs.events(logs, "UPLOAD_ABORTED", e -> true);
                return l.isEmpty() ? null : l;
            });
            assertEquals("client_stream_broken", aborted.get(0).get("reason").asText());
            ObjectStore store = TestS3.store(env);
            assertEquals(List.of(io.vidforge.bucket.DeploymentId.OBJECT_KEY), store.list(""),
                    "no staging, raw or other object is visible (only the deployment id the node wrote at start)");
            assertEquals(0, node.platform().videos().list(null, 10, null).size(), "no video row");
            assertEquals(List.of(), EventLogs.events(logs, "UPLOAD_RECEIVED", e -> true));
            // The node is still healthy and takes the next upload.
            assertEquals(201, Http.post(node.baseUri().resolve("/upload"),
                    io.vidforge.testing.SampleBytes.pseudoMp4(10_000, 5), "video/mp4").status());
        }
    }

    /** Deterministic bytes of a given length with an MP4-like header, hashed as they are read. */
    static final class PatternStream extends InputStream {
        private final long size;
        private final MessageDigest sha;
        private long pos;
        private long state = 0x9E3779B97F4A7C15L;

        PatternStream(long size) throws Exception {
            this.size = size;
            this.sha = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                long p = pos + i;
                if (p < 12) {
                    b[off + i] = new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'}[(int) p];
                } else {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    b[off + i] = (byte) state;
                }
            }
            sha.update(b, off, n);
            pos += n;
            return n;
        }

        String sha256Hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
