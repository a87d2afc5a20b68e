package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Content addressing: the same bytes are stored and processed once, across nodes and under races. */
@Tag("db")
class UploadIdempotencyTest {
    private Map<String, String> env;
    private Node nodeA;
    private Node nodeB;
    private ObjectStore store;

    @BeforeEach
    void start() {
        env = TestNodes.environment("idempotency");
        // Two stateless upload nodes on one database and bucket, as in a cluster.
        nodeA = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD));
        nodeB = TestNodes.start(env, "upload-2", Set.of(Role.UPLOAD));
        store = TestS3.store(env);
    }

    @AfterEach
    void stop() {
        nodeA.close();
        nodeB.close();
    }

    @Test
    void same_bytes_twice_give_same_id_one_object_and_one_row() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(200_000, 1);
        Http.Response first = Http.post(uri(nodeA, "/upload?title=first"), video, "video/mp4");
        Http.Response second = Http.post(uri(nodeA, "/upload?title=second"), video, "video/mp4");

        assertEquals(201, first.status(), first.text());
        assertEquals(200, second.status(), second.text());
        String id = first.json().get("video_id").asText();
        assertEquals(id, second.json().get("video_id").asText());
        assertFalse(first.json().get("duplicate").asBoolean());
        assertTrue(second.json().get("duplicate").asBoolean());
        assertEquals("/videos/" + id, second.header("Location"));
        String rawKey = nodeA.platform().videos().find(id).orElseThrow().rawKey();
        assertEquals(List.of(rawKey), store.list("raw/"), "one object: the duplicate removed its own");
        try (var in = store.get(rawKey)) {
            assertArrayEquals(video, in.readAllBytes(), "the raw object is the upload, byte for byte");
        }
        assertEquals(1, nodeA.platform().videos().list(null, 100, null).size());
        assertEquals(1, nodeA.platform().jobs().count(id));
        assertEquals("first", Http.get(uri(nodeA, "/videos/" + id)).json().get("title").asText(),
                "a duplicate does not change the original's metadata");
    }

    @Test
    void same_bytes_with_another_filename_title_or_node_give_the_same_id() {
        byte[] video = SampleBytes.pseudoMp4(150_000, 2);
        String raw = Http.post(uri(nodeA, "/upload?filename=a.mp4&title=A"), video, "video/mp4")
                .json().get("video_id").asText();
        String multipart = uploadMultipart(nodeB, video, "other-name.mov", "B").json().get("video_id").asText();
        assertEquals(raw, multipart);
        assertEquals(64, raw.length());
    }

    @Test
    void sixteen_concurrent_identical_uploads_make_one_video_one_object_one_job() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(3_000_000, 3);
        int n = 16;
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<Http.Response>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Node target = i % 2 == 0 ? nodeA : nodeB;
            futures.add(pool.submit((Callable<Http.Response>) () -> {
                start.await(30, TimeUnit.SECONDS);
                return Http.post(uri(target, "/upload"), video, "video/mp4");
            }));
        }
        Set<String> ids = new HashSet<>();
        int created = 0;
        for (Future<Http.Response> f : futures) {
            Http.Response r = f.get(120, TimeUnit.SECONDS);
            assertTrue(r.status() == 201 || r.status() == 200, r.text());
            created += r.status() == 201 ? 1 : 0;
            ids.add(r.json().get("video_id").asText());
        }
        pool.shutdown();
        assertEquals(1, ids.size(), "one video id");
        assertEquals(1, created, "exactly one upload created the video");
        String id = ids.iterator().next();
        assertEquals(1, nodeA.platform().videos().list(null, 100, null).size(), "one video row");
        assertEquals(1, nodeA.platform().jobs().count(id), "one processing record");
        assertEquals(List.of(nodeA.platform().videos().find(id).orElseThrow().rawKey()), store.list("raw/"),
                "one raw object, the winner's; the fifteen others removed theirs");
    }

    @Test
    void the_same_bytes_under_another_processing_profile_are_a_new_video_on_the_stored_object() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(120_000, 4);
        Http.Response first = Http.post(uri(nodeA, "/upload"), video, "video/mp4");
        assertEquals(201, first.status(), first.text());
        // A node with another ladder profile (4 s segments, the tests' default is 2), same database and bucket.
        try (Node other = TestNodes.start(env, "upload-3", Set.of(Role.UPLOAD), Map.of("SEGMENT_SECONDS", "4"),
                java.time.Clock.systemUTC())) {
            Http.Response second = Http.post(uri(other, "/upload"), video, "video/mp4");
            assertEquals(201, second.status(), "another profile, another video: " + second.text());
            String a = first.json().get("video_id").asText();
            String b = second.json().get("video_id").asText();
            assertFalse(a.equals(b));
            String rawKey = nodeA.platform().videos().find(a).orElseThrow().rawKey();
            assertEquals(rawKey, nodeA.platform().videos().find(b).orElseThrow().rawKey(), "both refer to one object");
            assertEquals(List.of(rawKey), store.list("raw/"), "the bytes are stored once");
        }
    }

    @Test
    void video_lists_newest_first_with_paging_and_history() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(Http.post(uri(nodeA, "/upload"), SampleBytes.pseudoMp4(50_000, 100 + i), "video/mp4")
                    .json().get("video_id").asText());
        }
        JsonNode page1 = Http.get(uri(nodeB, "/videos?limit=2")).json();
        assertEquals(2, page1.get("videos").size());
        assertEquals(ids.get(2), page1.get("videos").get(0).get("video_id").asText());
        JsonNode page2 = Http.get(uri(nodeB, "/videos?limit=2&after=" + page1.get("next").asText())).json();
        assertEquals(1, page2.get("videos").size());
        assertEquals(ids.get(0), page2.get("videos").get(0).get("video_id").asText());
        JsonNode one = Http.get(uri(nodeB, "/videos/" + ids.get(0))).json();
        assertEquals("uploaded", one.get("status").asText());
        assertEquals("uploaded", one.get("history").get(0).get("status").asText());
        assertEquals(0.0, one.get("progress").asDouble());
        assertEquals(3, Http.get(uri(nodeB, "/videos?status=uploaded")).json().get("videos").size());
        assertEquals(0, Http.get(uri(nodeB, "/videos?status=ready")).json().get("videos").size());
    }

    static Http.Response uploadMultipart(Node node, byte[] video, String filename, String title) {
        String boundary = "----vidforge" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: video/mp4\r\n\r\n";
        body.writeBytes(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        body.writeBytes(video);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Http.post(uri(node, "/upload"), body.toByteArray(), "multipart/form-data; boundary=" + boundary);
    }

    static URI uri(Node node, String path) {
        return node.baseUri().resolve(path);
    }
}
