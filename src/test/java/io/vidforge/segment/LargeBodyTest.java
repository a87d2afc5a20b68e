package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Large bodies on a real node (blocking sockets, as every node serves): every way a body is written, a
 * streamed miss, a cached hit in chunks, ranges cutting chunks anywhere, a capped session, arrives byte
 * for byte. Helidon 4.4.0 mis-writes array ranges not starting at 0 on these sockets (ResponseOutput), so
 * a write path that forgot it fails here.
 */
class LargeBodyTest {
    private static final int SIZE = 700_000;
    /** Larger than the socket buffers can swallow (send buffer autotunes to 4 MiB here), so a client that stops reading stalls the writer. */
    private static final int HUGE = 9_000_000;
    private static Node node;
    private static FakeLadder.Published video;
    private static FakeLadder.Published huge;
    private static URI base;

    @BeforeAll
    static void start() {
        node = TestNodes.start(TestNodes.environment("large-body"), "segment-1", Set.of(Role.SEGMENT));
        video = FakeLadder.publish(node.platform(), "large-body", 1, 4, SIZE);
        huge = FakeLadder.publish(node.platform(), "large-body-huge", 1, 2, HUGE);
        base = node.baseUri();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String path(String session, int segment) {
        return Playback.path(session, video.videoId(), "720p", FakeLadder.Published.segment(segment));
    }

    @Test
    void a_streamed_miss_and_then_a_cached_hit_arrive_byte_identical() {
        byte[] want = video.bytes("720p", FakeLadder.Published.segment(0));
        Http.Response miss = Playback.get(base, path("whole", 0));
        assertEquals("MISS", miss.header("X-Cache"));
        assertArrayEquals(want, miss.body());
        Http.Response hit = Playback.awaitHit(base, path("whole", 0));
        assertEquals(Integer.toString(want.length), hit.header("Content-Length"));
        assertArrayEquals(want, hit.body());
    }

    @Test
    void ranges_that_cut_the_cached_chunks_anywhere_return_exactly_their_bytes() {
        byte[] all = video.bytes("720p", FakeLadder.Published.segment(1));
        int n = all.length;
        int head = CachedBytes.HEAD_BYTES;
        int chunk = CachedBytes.CHUNK_BYTES;
        // first-last pairs: small and large, inside one chunk, across the head and chunk edges, to the end
        int[][] ranges = {{0, 99}, {1, 70_000}, {4095, 4095 + 65_536}, {head - 1, head + 300_000},
                {head, head + chunk - 1}, {head + 1, head + chunk}, {100_000, 100_000 + chunk}, {head + chunk - 1, n - 1},
                {n - 70_000, n - 1}, {n - 1, n - 1}};
        for (String when : new String[] {"uncached", "cached"}) {
            for (int[] r : ranges) {
                Http.Response got = Playback.get(base, path("ranges", 1), "Range", "bytes=" + r[0] + "-" + r[1]);
                String what = when + " bytes=" + r[0] + "-" + r[1];
                assertEquals(206, got.status(), what);
                assertEquals("bytes " + r[0] + "-" + r[1] + "/" + n, got.header("Content-Range"), what);
                assertArrayEquals(Arrays.copyOfRange(all, r[0], r[1] + 1), got.body(), what);
            }
            Http.Response open = Playback.get(base, path("ranges", 1), "Range", "bytes=12345-");
            assertArrayEquals(Arrays.copyOfRange(all, 12345, n), open.body(), when + " open range");
        }
    }

    @Test
    void a_capped_session_gets_whole_bodies_and_ranges_byte_identical() {
        String session = "capped";
        Http.Response cap = Http.send(HttpRequest.newBuilder(base.resolve("/s/" + session + "/shape?kbps=400000"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, cap.status(), cap.text());
        byte[] all = video.bytes("720p", FakeLadder.Published.segment(2));
        assertArrayEquals(all, Playback.get(base, path(session, 2)).body(), "miss under a cap");
        assertArrayEquals(all, Playback.get(base, path(session, 2)).body(), "hit under a cap");
        Http.Response part = Playback.get(base, path(session, 2), "Range", "bytes=9000-409999");
        assertArrayEquals(Arrays.copyOfRange(all, 9000, 410_000), part.body(), "range under a cap");
    }

    @Test
    void a_download_abandoned_mid_body_is_logged_as_aborted_with_the_bytes_it_got_to() throws Exception {
        String id = huge.videoId();
        // First the miss (segment 1 is the last: its read-ahead has nothing to fetch), then a hit.
        String missPath = Playback.path("gone", id, "720p", FakeLadder.Published.segment(1));
        abandon(missPath);
        String hitPath = Playback.path("gone", id, "720p", FakeLadder.Published.segment(0));
        assertArrayEquals(huge.bytes("720p", FakeLadder.Published.segment(0)), Playback.get(base, hitPath).body());
        abandon(hitPath);
        for (int k = 0; k < 2; k++) {
            int segment = k;
            JsonNode aborted = Await.value(Playback.TIMEOUT, "the aborted SERVE of segment " + k, () ->
                    Playback.events(node.platform().settings().logDir(), "SERVE", "gone").stream()
                            .filter(e -> e.path("segment").asInt(-1) == segment && e.path("aborted").asBoolean(false))
                            .findFirst().orElse(null));
            long size = huge.bytes("720p", FakeLadder.Published.segment(k)).length;
            long bytes = aborted.path("bytes").asLong(-1);
            assertTrue(bytes > 0 && bytes < size, "bytes handed to the socket before the client left, not " + size
                    + ": " + aborted);
            assertEquals(k == 0 ? "HIT" : "MISS", aborted.path("cache").asText(), aborted.toString());
            assertEquals(1, Playback.events(node.platform().settings().logDir(), "SERVE", "gone").stream()
                    .filter(e -> e.path("segment").asInt(-1) == segment && e.path("aborted").asBoolean(false)).count());
        }
        // The node goes on serving, and the abandoned miss still filled the cache (once its read ends).
        Http.Response again = Playback.awaitHit(base, missPath);
        assertArrayEquals(huge.bytes("720p", FakeLadder.Published.segment(1)), again.body());
    }

    /** Requests {@code path} over a socket with a small receive buffer, reads the head of the answer, resets. */
    private static void abandon(String path) throws Exception {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(16 * 1024);
            assertTrue(new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
            socket.setSoLinger(true, 0); // close with a reset, as a browser aborting a request does
        }
    }
}
