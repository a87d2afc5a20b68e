package io.vidforge.abr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server-side cap ({@code POST /s/{session}/shape?kbps=N}) really limits a session's throughput, and
 * nothing else: measured with real HTTP requests against a segment node, on 200 KB segments.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionShapingTest {
    private static final int SEGMENT_BYTES = 200_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The measured rate must be within this fraction of the cap. */
    private static final double TOLERANCE = 0.12;

    private Node node;
    private Path logs;
    private FakeLadder.Published video;

    @BeforeAll
    void start() {
        Map<String, String> env = TestNodes.environment("shaping");
        node = TestNodes.start(env, "segment-1", Set.of(Role.SEGMENT));
        logs = node.platform().settings().logDir();
        video = FakeLadder.publish(node.platform(), "shaping", 1, 6, SEGMENT_BYTES);
        // Every segment in the node's cache first: what is measured is the cap, not an S3 read.
        for (int k = 0; k < 6; k++) {
            assertEquals(200, Http.get(segment("warm-up", k)).status());
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void a_capped_session_is_served_at_its_cap_and_an_uncapped_session_at_full_speed() {
        JsonNode answer = shape("capped", 800);
        assertEquals(800, answer.get("kbps").asLong());
        assertEquals("capped", answer.get("session_id").asText());
        assertEquals("segment-1", answer.get("node_id").asText());

        long t0 = System.nanoTime();
        Http.Response r = Http.get(segment("capped", 0));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, r.status());
        assertArrayEquals(video.bytes("720p", FakeLadder.Published.segment(0)), r.body(), "the bytes are intact");
        assertRate(800, r.body().length, seconds);

        long t1 = System.nanoTime();
        Http.Response free = Http.get(segment("not-capped", 0));
        double freeSeconds = (System.nanoTime() - t1) / 1e9;
        assertEquals(200, free.status());
        assertTrue(freeSeconds < 0.5, "another session is not capped: " + freeSeconds + " s");

        JsonNode line = Await.value(TIMEOUT, "the SHAPE line", () -> EventLogs.events(logs, "SHAPE",
                e -> "capped".equals(e.path("session_id").asText())).stream().findFirst().orElse(null));
        assertEquals(800, line.get("kbps").asLong());
    }

    @Test
    void parallel_requests_of_one_session_share_its_cap() throws Exception {
        shape("pair", 800);
        long t0 = System.nanoTime();
        CompletableFuture<Http.Response> a = CompletableFuture.supplyAsync(() -> Http.get(segment("pair", 1)));
        CompletableFuture<Http.Response> b = CompletableFuture.supplyAsync(() -> Http.get(segment("pair", 2)));
        int bytes = a.get().body().length + b.get().body().length;
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, a.get().status());
        assertEquals(200, b.get().status());
        // Both bodies together at the session's cap, not each at it.
        assertRate(800, bytes, seconds);
    }

    @Test
    void removing_the_cap_speeds_up_a_response_already_being_written() throws Exception {
        shape("release", 100);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(segment("release", 3)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = r.body()) {
            // The first 4 KB arrive at the cap: the response is being paced (200 KB would take 16 s).
            byte[] head = in.readNBytes(4096);
            shape("release", 0);
            byte[] rest = in.readAllBytes();
            body = new byte[head.length + rest.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(rest, 0, body, head.length, rest.length);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertArrayEquals(video.bytes("720p", FakeLadder.Published.segment(3)), body);
        assertTrue(seconds < 4, "the rest came at full speed once the cap was removed: " + seconds + " s");
    }

    @Test
    void a_capped_download_the_client_abandons_is_logged_as_aborted_with_the_bytes_sent_and_the_session_plays_on()
            throws Exception {
        shape("abandon", 100);
        URI uri = segment("abandon", 4);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] first = socket.getInputStream().readNBytes(2048);
            assertTrue(new String(first, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
            // Give up on it the way a browser aborts a request: reset the connection.
            socket.setSoLinger(true, 0);
        }
        JsonNode abandoned = Await.value(TIMEOUT, "the abandoned download's SERVE line",
                () -> serves("abandon", 4).stream().findFirst().orElse(null));
        assertTrue(abandoned.path("aborted").asBoolean(false), abandoned.toString());
        long size = video.bytes("720p", FakeLadder.Published.segment(4)).length;
        long bytes = abandoned.path("bytes").asLong(-1);
        assertTrue(bytes >= 0 && bytes < size, "the bytes it got to, not the whole " + size + ": " + abandoned);
        assertEquals(1, serves("abandon", 4).size());
        shape("abandon", 0);
        assertEquals(200, Http.get(segment("abandon", 5)).status());
        JsonNode next = Await.value(TIMEOUT, "the next segment's SERVE line",
                () -> serves("abandon", 5).stream().findFirst().orElse(null));
        assertTrue(next.path("aborted").isMissingNode(), "a whole answer carries no aborted field: " + next);
    }

    @Test
    void shape_refuses_rates_that_are_not_whole_kilobits_per_second_in_range() {
        for (String bad : List.of("kbps=abc", "kbps=-5", "kbps=10000001", "kbps=1.5", "")) {
            Http.Response r = Http.post(node.baseUri().resolve("/s/s1/shape?" + bad), new byte[0], null);
            assertEquals(400, r.status(), bad);
            assertEquals("INVALID_RATE", r.json().get("error").get("code").asText(), bad);
        }
        Http.Response r = Http.post(node.baseUri().resolve("/s/bad.session/shape?kbps=100"), new byte[0], null);
        assertEquals(400, r.status());
        assertEquals("INVALID_SESSION_ID", r.json().get("error").get("code").asText());
    }

    // ---------------------------------------------------------------------------------------------

    private URI segment(String session, int k) {
        return node.baseUri().resolve("/s/" + session + "/" + video.videoId() + "/720p/" + FakeLadder.Published.segment(k));
    }

    private JsonNode shape(String session, long kbps) {
        Http.Response r = Http.post(node.baseUri().resolve("/s/" + session + "/shape?kbps=" + kbps), new byte[0], null);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    private List<JsonNode> serves(String session, int k) {
        return EventLogs.events(logs, "SERVE", e -> session.equals(e.path("session_id").asText())
                && e.path("segment").asInt(-1) == k);
    }

    private static void assertRate(long capKbps, long bytes, double seconds) {
        double kbps = bytes * 8 / seconds / 1000;
        System.out.printf(java.util.Locale.ROOT, "cap %d kb/s: %d bytes in %.3f s = %.0f kb/s%n", capKbps, bytes, seconds, kbps);
        assertTrue(Math.abs(kbps - capKbps) <= capKbps * TOLERANCE,
                String.format("%d bytes in %.3f s = %.0f kb/s; the cap is %d kb/s (±%.0f%%)", bytes, seconds, kbps, capKbps,
                        TOLERANCE * 100));
    }
}
