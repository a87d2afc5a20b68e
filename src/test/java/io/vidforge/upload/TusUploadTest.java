package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tus.java.client.TusClient;
import io.tus.java.client.TusURLMemoryStore;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Resumable uploads with the real tus-java-client, across two stateless upload nodes. */
@Tag("db")
class TusUploadTest {
    private Map<String, String> env;
    private ManualClock clock;
    private Node nodeA;
    private Node nodeB;
    private ObjectStore store;

    @BeforeEach
    void start() {
        env = TestNodes.environment("tus");
        clock = ManualClock.startingNow();
        Map<String, String> o = Map.of("TUS_EXPIRY_SECONDS", "3600");
        nodeA = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD), o, clock);
        nodeB = TestNodes.start(env, "upload-2", Set.of(Role.UPLOAD), o, clock);
        store = TestS3.store(env);
    }

    @AfterEach
    void stop() {
        nodeA.close();
        nodeB.close();
    }

    @Test
    void multi_chunk_upload_becomes_the_same_video_as_a_direct_upload() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(1_500_000, 11);
        TusUploader up = client(nodeA).createUpload(upload(video, "clip.mp4", "Tus clip"));
        up.setChunkSize(256 * 1024);
        up.setRequestPayloadSize(256 * 1024);
        int chunks = 0;
        while (up.uploadChunk() > -1) {
            chunks++;
        }
        up.finish();
        assertTrue(chunks >= 5, "uploaded in several PATCH requests: " + chunks);

        String uploadPath = up.getUploadURL().getPath();
        Http.Response status = Http.get(nodeB.baseUri().resolve(uploadPath));
        assertEquals(200, status.status(), status.text());
        String videoId = status.json().get("video_id").asText();
        try (var in = store.get(nodeA.platform().videos().find(videoId).orElseThrow().rawKey())) {
            assertEquals(sha256(video), sha256(in.readAllBytes()), "the raw object holds exactly the bytes");
        }
        Http.Response direct = Http.post(nodeA.baseUri().resolve("/upload"), video, "video/mp4");
        assertEquals(200, direct.status(), "the same bytes uploaded directly are a duplicate");
        assertEquals(videoId, direct.json().get("video_id").asText());
        assertEquals("Tus clip", Http.get(nodeA.baseUri().resolve("/videos/" + videoId)).json().get("title").asText());
        assertEquals(List.of(), store.list("tus/"), "chunk objects are removed after completion");
    }

    @Test
    void upload_cut_off_mid_way_resumes_on_another_node_and_ends_byte_identical() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(2_000_000, 12);
        TusURLMemoryStore urls = new TusURLMemoryStore();
        TusClient first = client(nodeA);
        first.enableResuming(urls);
        TusUploader up = first.createUpload(upload(video, "trip.mov", null));
        up.setChunkSize(200_000);
        up.setRequestPayloadSize(200_000);
        for (int i = 0; i < 4; i++) {
            up.uploadChunk();
        }
        up.finish(false); // the connection drops; the client keeps the URL
        long sentBefore = up.getOffset();
        assertEquals(800_000, sentBefore);

        // Later, from another upload node: the client asks where to resume (HEAD) and sends the rest.
        TusClient second = client(nodeB);
        second.enableResuming(urls);
        TusUploader resumed = second.resumeUpload(upload(video, "trip.mov", null));
        assertEquals(sentBefore, resumed.getOffset(), "resumes exactly where the first half ended");
        resumed.setChunkSize(300_000);
        resumed.setRequestPayloadSize(300_000);
        while (resumed.uploadChunk() > -1) {
            // keep sending
        }
        resumed.finish();
        String videoId = Http.get(nodeA.baseUri().resolve(resumed.getUploadURL().getPath())).json()
                .get("video_id").asText();
        String sha = sha256(video);
        assertEquals(ContentId.videoId(sha, nodeA.platform().ladder().profileId()), videoId);
        try (var in = store.get(nodeA.platform().videos().find(videoId).orElseThrow().rawKey())) {
            assertEquals(sha, sha256(in.readAllBytes()), "byte-identical after resuming");
        }
    }

    @Test
    void completing_patch_carries_video_id_and_head_reports_offsets() {
        byte[] video = SampleBytes.pseudoMp4(100_000, 13);
        URI location = create(nodeA, video.length, "filename " + b64("a.mp4"));
        Http.Response head = Http.send(tus(HttpRequest.newBuilder(location)
                .method("HEAD", HttpRequest.BodyPublishers.noBody())));
        assertEquals(200, head.status());
        assertEquals("0", head.header("Upload-Offset"));
        assertEquals(Integer.toString(video.length), head.header("Upload-Length"));
        assertEquals("no-store", head.header("Cache-Control"));

        Http.Response half = patch(nodeB, location, 0, slice(video, 0, 40_000), null);
        assertEquals(204, half.status(), half.text());
        assertEquals("40000", half.header("Upload-Offset"));
        assertEquals(null, half.header("Video-Id"));
        Http.Response rest = patch(nodeA, location, 40_000, slice(video, 40_000, video.length), null);
        assertEquals(204, rest.status(), rest.text());
        assertEquals(Integer.toString(video.length), rest.header("Upload-Offset"));
        assertNotNull(rest.header("Video-Id"));
        assertEquals(rest.header("Video-Id"), Http.get(location).json().get("video_id").asText());
    }

    @Test
    void checksum_mismatch_is_460_and_the_offset_does_not_move() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(50_000, 14);
        URI location = create(nodeA, video.length, null);
        byte[] wrongSha1 = MessageDigest.getInstance("SHA-1").digest("something else".getBytes(StandardCharsets.UTF_8));
        Http.Response bad = patch(nodeA, location, 0, video, "sha1 " + Base64.getEncoder().encodeToString(wrongSha1));
        assertEquals(460, bad.status(), bad.text());
        assertEquals("CHECKSUM_MISMATCH", bad.json().get("error").get("code").asText());
        assertEquals("0", headOffset(location));
        assertEquals(List.of(), store.list("tus/"), "the rejected chunk is not kept");

        byte[] rightSha1 = MessageDigest.getInstance("SHA-1").digest(video);
        Http.Response good = patch(nodeA, location, 0, video, "sha1 " + Base64.getEncoder().encodeToString(rightSha1));
        assertEquals(204, good.status(), good.text());
        assertNotNull(good.header("Video-Id"));
    }

    @Test
    void checksum_mismatch_on_a_two_byte_first_chunk_is_460_before_any_sniffing() throws Exception {
        byte[] text = "ab".repeat(5000).getBytes(StandardCharsets.US_ASCII); // would be refused as text later
        URI location = create(nodeA, text.length, null);
        byte[] wrongSha1 = MessageDigest.getInstance("SHA-1").digest("something else".getBytes(StandardCharsets.UTF_8));
        Http.Response bad = patch(nodeA, location, 0, slice(text, 0, 2), "sha1 " + Base64.getEncoder().encodeToString(wrongSha1));
        assertEquals(460, bad.status(), bad.text());
        assertEquals("CHECKSUM_MISMATCH", bad.json().get("error").get("code").asText());
        assertEquals("0", headOffset(location));
        assertEquals(List.of(), store.list("tus/"));
    }

    @Test
    void small_first_chunks_are_not_judged_until_the_sniffer_has_enough_bytes() throws Exception {
        // An MPEG-TS stream starts with printable bytes ("G@"): two bytes are too few to call it text.
        byte[] ts = SampleBytes.pseudoMp4(60_000, 21);
        ts[0] = 0x47;
        ts[1] = 0x40;
        TusUploader up = client(nodeA).createUpload(upload(ts, "clip.ts", null));
        up.setChunkSize(2);
        up.setRequestPayloadSize(2);
        assertEquals(2, up.uploadChunk(), "the 2-byte first chunk is accepted");
        up.setChunkSize(1000);
        up.setRequestPayloadSize(1000);
        assertTrue(up.uploadChunk() > 0, "a second small chunk, still below the sniffer's window");
        up.setChunkSize(20_000);
        up.setRequestPayloadSize(20_000);
        while (up.uploadChunk() > -1) {
            // keeps going until done
        }
        up.finish();
        Http.Response status = Http.get(nodeB.baseUri().resolve(up.getUploadURL().getPath()));
        assertEquals(ContentId.videoId(sha256(ts), nodeA.platform().ladder().profileId()),
                status.json().get("video_id").asText());
    }

    @Test
    void text_sent_in_small_chunks_is_refused_by_the_chunk_that_completes_the_sniff_window() {
        byte[] text = "0123456789\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        URI location = create(nodeA, text.length, null);
        for (int off = 0; off < 4000; off += 1000) {
            assertEquals(204, patch(nodeB, location, off, slice(text, off, off + 1000), null).status(), "offset " + off);
        }
        Http.Response refused = patch(nodeA, location, 4000, slice(text, 4000, 5000), null);
        assertEquals(415, refused.status(), refused.text());
        assertEquals("UNSUPPORTED_MEDIA_TYPE", refused.json().get("error").get("code").asText());
        assertEquals("4000", headOffset(location), "the refused chunk is not counted");
        assertEquals(4, store.list("tus/").size(), "nor kept");
    }

    @Test
    void wrong_offset_is_409_with_the_real_offset() {
        byte[] video = SampleBytes.pseudoMp4(50_000, 15);
        URI location = create(nodeA, video.length, null);
        assertEquals(204, patch(nodeA, location, 0, slice(video, 0, 10_000), null).status());
        Http.Response replay = patch(nodeB, location, 0, slice(video, 0, 10_000), null);
        assertEquals(409, replay.status());
        assertEquals("10000", replay.header("Upload-Offset"));
        assertEquals("OFFSET_MISMATCH", replay.json().get("error").get("code").asText());
        assertEquals(409, patch(nodeA, location, 20_000, slice(video, 20_000, 30_000), null).status());
        assertEquals("10000", headOffset(location));
    }

    @Test
    void termination_removes_the_upload_and_its_data() {
        byte[] video = SampleBytes.pseudoMp4(60_000, 16);
        URI location = create(nodeA, video.length, null);
        assertEquals(204, patch(nodeA, location, 0, slice(video, 0, 30_000), null).status());
        assertEquals(1, store.list("tus/").size());
        Http.Response del = Http.send(tus(HttpRequest.newBuilder(location).DELETE()));
        assertEquals(204, del.status());
        assertEquals(List.of(), store.list("tus/"));
        assertEquals(404, Http.send(tus(HttpRequest.newBuilder(location)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()))).status());
        assertEquals(404, patch(nodeB, location, 30_000, slice(video, 30_000, 60_000), null).status());
    }

    @Test
    void duplicate_content_via_tus_finds_the_existing_video() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(80_000, 17);
        String id = Http.post(nodeA.baseUri().resolve("/upload?title=original"), video, "video/mp4")
                .json().get("video_id").asText();
        URI location = create(nodeB, video.length, "title " + b64("copy"));
        Http.Response done = patch(nodeB, location, 0, video, null);
        assertEquals(id, done.header("Video-Id"));
        assertEquals(1, nodeA.platform().videos().list(null, 10, null).size());
        assertEquals(1, nodeA.platform().jobs().count(id), "no second processing record");
        assertEquals(1, store.list("raw/").size());
    }

    @Test
    void abandoned_uploads_expire_and_their_data_is_removed() {
        byte[] video = SampleBytes.pseudoMp4(40_000, 18);
        URI location = create(nodeA, video.length, null);
        assertEquals(204, patch(nodeA, location, 0, slice(video, 0, 20_000), null).status());
        assertEquals(0, nodeA.module(UploadModule.class).expireAbandoned(), "not expired yet");
        clock.advance(Duration.ofHours(2));
        assertEquals(1, nodeB.module(UploadModule.class).expireAbandoned());
        assertEquals(List.of(), store.list("tus/"));
        assertEquals(404, patch(nodeA, location, 20_000, slice(video, 20_000, 40_000), null).status());
    }

    @Test
    void a_patch_that_breaks_off_loses_only_that_chunk() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(300_000, 19);
        URI location = create(nodeA, video.length, null);
        assertEquals(204, patch(nodeA, location, 0, slice(video, 0, 100_000), null).status());
        try (Socket s = new Socket("127.0.0.1", nodeB.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("PATCH " + location.getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 100000\r\n"
                    + "Content-Length: 200000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(slice(video, 100_000, 150_000));
            out.flush();
        }
        io.vidforge.testing.Await.until(Duration.ofSeconds(30), "the broken chunk to be discarded",
                () -> store.list("tus/").size() == 1);
        assertEquals("100000", headOffset(location), "the offset never counted the broken chunk");
        Http.Response rest = patch(nodeA, location, 100_000, slice(video, 100_000, 300_000), null);
        assertEquals(204, rest.status(), rest.text());
        assertEquals(ContentId.videoId(sha256(video), nodeA.platform().ladder().profileId()), rest.header("Video-Id"));
    }

    @Test
    void protocol_errors_get_tus_answers() {
        Http.Response options = Http.method(nodeA.baseUri().resolve("/uploads"), "OPTIONS", null);
        assertEquals(204, options.status());
        assertEquals("1.0.0", options.header("Tus-Version"));
        assertTrue(options.header("Tus-Extension").contains("creation"));
        assertTrue(options.header("Tus-Extension").contains("termination"));
        assertTrue(options.header("Tus-Extension").contains("checksum"));
        assertEquals(Long.toString(5L * 1024 * 1024 * 1024), options.header("Tus-Max-Size"));

        Http.Response noVersion = Http.send(HttpRequest.newBuilder(nodeA.baseUri().resolve("/uploads"))
                .header("Upload-Length", "10").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(412, noVersion.status());
        assertEquals("1.0.0", noVersion.header("Tus-Version"));
        Http.Response tooBig = Http.send(tus(HttpRequest.newBuilder(nodeA.baseUri().resolve("/uploads"))
                .header("Upload-Length", Long.toString(6L * 1024 * 1024 * 1024)).POST(HttpRequest.BodyPublishers.noBody())));
        assertEquals(413, tooBig.status());
        Http.Response noLength = Http.send(tus(HttpRequest.newBuilder(nodeA.baseUri().resolve("/uploads"))
                .POST(HttpRequest.BodyPublishers.noBody())));
        assertEquals(400, noLength.status());
        byte[] notVideo = "just some text, not a video".getBytes(StandardCharsets.UTF_8);
        URI location = create(nodeA, notVideo.length, null);
        Http.Response wrongType = Http.send(tus(HttpRequest.newBuilder(location).header("Upload-Offset", "0")
                .header("Content-Type", "application/octet-stream").method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[10]))));
        assertEquals(415, wrongType.status());
        Http.Response text = patch(nodeA, location, 0, notVideo, null);
        assertEquals(415, text.status(), "the whole upload is there to judge: " + text.text());
        Http.Response unknown = Http.send(tus(HttpRequest.newBuilder(nodeA.baseUri().resolve("/uploads/nope"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())));
        assertEquals(404, unknown.status());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static TusClient client(Node node) throws Exception {
        TusClient c = new TusClient() {
            @Override
            public void prepareConnection(java.net.HttpURLConnection connection) {
                super.prepareConnection(connection);
                connection.setReadTimeout(30_000); // a lost response fails the test instead of hanging it
            }
        };
        c.setUploadCreationURL(new URL(node.baseUri() + "/uploads"));
        return c;
    }

    private static TusUpload upload(byte[] data, String filename, String title) {
        TusUpload u = new TusUpload();
        u.setSize(data.length);
        u.setInputStream(new ByteArrayInputStream(data));
        u.setFingerprint("fp-" + data.length + "-" + sha256(data).substring(0, 12));
        Map<String, String> meta = new java.util.HashMap<>();
        meta.put("filename", filename);
        if (title != null) {
            meta.put("title", title);
        }
        u.setMetadata(meta);
        return u;
    }

    private static URI create(Node node, long length, String metadata) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.baseUri().resolve("/uploads"))
                .header("Upload-Length", Long.toString(length)).POST(HttpRequest.BodyPublishers.noBody());
        if (metadata != null) {
            b.header("Upload-Metadata", metadata);
        }
        Http.Response r = Http.send(tus(b));
        assertEquals(201, r.status(), r.text());
        return node.baseUri().resolve(r.header("Location"));
    }

    /** PATCH sent to {@code node} whatever node created the upload: any node takes any request. */
    private static Http.Response patch(Node node, URI location, long offset, byte[] body, String checksum) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.baseUri().resolve(location.getPath()))
                .header("Upload-Offset", Long.toString(offset))
                .header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body));
        if (checksum != null) {
            b.header("Upload-Checksum", checksum);
        }
        return Http.send(tus(b));
    }

    private static String headOffset(URI location) {
        return Http.send(tus(HttpRequest.newBuilder(location).method("HEAD", HttpRequest.BodyPublishers.noBody())))
                .header("Upload-Offset");
    }

    private static HttpRequest.Builder tus(HttpRequest.Builder b) {
        return b.header("Tus-Resumable", "1.0.0");
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
