package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Http;
import io.vidforge.testing.NodeClients;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload as a new user makes it: tus-js-client (npm) under Node.js against a real upload node. */
class TusJsClientTest {
    @TempDir
    Path tmp;
    private Node node;

    @BeforeEach
    void start() {
        NodeClients.requireInstalled();
        node = TestNodes.start(TestNodes.environment("tusjs"), "upload-1", Set.of(Role.UPLOAD));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void tus_js_client_with_small_chunks_uploads_the_exact_bytes() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(20_000, 31);
        JsonNode r = NodeClients.run("tus-upload.mjs", endpoint(), file(video), "700");
        assertTrue(r.get("ok").asBoolean(), r.toString());
        assertEquals(29, r.get("patches").asInt(), "20000 bytes in 700-byte chunks");
        String videoId = ContentId.videoId(TusUploadTest.sha256(video), node.platform().ladder().profileId());
        assertEquals(videoId, r.get("video_id").asText(), "the completing PATCH carries Video-Id");
        Http.Response v = Http.get(node.baseUri().resolve("/videos/" + videoId));
        assertEquals(video.length, v.json().get("size_bytes").asLong());
    }

    @Test
    void tus_js_client_with_two_byte_chunks_is_not_refused_before_the_sniffer_can_judge() throws Exception {
        byte[] ts = SampleBytes.pseudoMp4(40, 32);
        ts[0] = 0x47; // MPEG-TS sync byte, then a printable byte: "G@"
        ts[1] = 0x40;
        JsonNode r = NodeClients.run("tus-upload.mjs", endpoint(), file(ts), "2");
        assertTrue(r.get("ok").asBoolean(), r.toString());
        assertEquals(20, r.get("patches").asInt());
    }

    @Test
    void tus_js_client_gets_460_for_a_checksum_mismatch_on_the_first_chunk() throws Exception {
        byte[] text = "ab".repeat(100).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        JsonNode r = NodeClients.run("tus-upload.mjs", endpoint(), file(text), "2", "wrong-checksum-on-first-patch");
        assertFalse(r.get("ok").asBoolean(), r.toString());
        assertEquals(460, r.get("status").asInt(), r.toString());
        assertTrue(r.get("body").asText().contains("CHECKSUM_MISMATCH"), r.toString());
    }

    private String endpoint() {
        return node.baseUri().resolve("/uploads").toString();
    }

    private String file(byte[] data) throws Exception {
        Path f = Files.createTempFile(tmp, "upload-", ".bin");
        Files.write(f, data);
        return f.toAbsolutePath().toString();
    }
}
