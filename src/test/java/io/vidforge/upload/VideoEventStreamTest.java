package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.SseClient;
import io.vidforge.testing.TestNodes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /videos/{id}/events: each change is streamed as it happens, and the stream ends at a final status. */
class VideoEventStreamTest {
    private Node node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.environment("sse"), "upload-1", Set.of(Role.UPLOAD),
                Map.of("SSE_POLL_MILLIS", "50"), java.time.Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void each_status_change_is_streamed_as_it_happens_and_the_stream_closes_at_ready() throws Exception {
        String id = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(10_000, 51), "video/mp4")
                .json().get("video_id").asText();
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        CompletableFuture<SseClient.Stream> stream = CompletableFuture.supplyAsync(() -> SseClient.read(
                node.baseUri().resolve("/videos/" + id + "/events"), Duration.ofSeconds(30),
                e -> seen.add(e.get("status").asText())));
        // Each change is made only after the previous one was seen on the open stream: live, not replayed.
        assertEquals("uploaded", seen.poll(10, TimeUnit.SECONDS));
        boolean moved = node.platform().sql().inTransaction(c -> node.platform().videos().transition(c, id, 1,
                VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned"));
        assertTrue(moved);
        assertEquals("processing", seen.poll(10, TimeUnit.SECONDS));
        boolean published = node.platform().sql().inTransaction(c -> node.platform().videos().publish(c, id, 1,
                List.of(), "transcode/" + id + "/", null));
        assertTrue(published);
        SseClient.Stream s = stream.get(10, TimeUnit.SECONDS);
        assertEquals(200, s.status());
        assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
        assertTrue(s.closedByServer(), "closed after ready");
        assertEquals(List.of("uploaded", "processing", "ready"), s.events().stream().map(e -> e.get("status").asText()).toList());
        JsonNode last = s.events().get(2);
        assertEquals(1.0, last.get("progress").asDouble());
        assertEquals(id, last.get("video_id").asText());
    }

    @Test
    void a_failed_video_gets_one_event_and_a_closed_stream_and_bad_ids_get_json_errors() {
        String id = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(10_000, 52), "video/mp4")
                .json().get("video_id").asText();
        boolean failed = node.platform().sql().inTransaction(c -> node.platform().videos().fail(c, id, 1,
                "INVALID_MEDIA", "no video stream"));
        assertTrue(failed);
        SseClient.Stream s = SseClient.read(node.baseUri().resolve("/videos/" + id + "/events"), Duration.ofSeconds(10), e -> { });
        assertEquals(1, s.events().size());
        assertEquals("INVALID_MEDIA", s.events().get(0).get("error").get("code").asText());
        assertTrue(s.closedByServer());

        Http.Response unknown = Http.get(node.baseUri().resolve("/videos/" + "0".repeat(64) + "/events"));
        assertEquals(404, unknown.status());
        assertEquals("NOT_FOUND", unknown.json().get("error").get("code").asText());
        assertEquals(400, Http.get(node.baseUri().resolve("/videos/nope/events")).status());
        assertEquals(405, Http.post(node.baseUri().resolve("/videos/" + id + "/events"), new byte[0], null).status());
    }

    @Test
    void a_stream_open_while_the_video_is_deleted_ends_with_deleted() throws Exception {
        String id = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(10_000, 53), "video/mp4")
                .json().get("video_id").asText();
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        CompletableFuture<SseClient.Stream> stream = CompletableFuture.supplyAsync(() -> SseClient.read(
                node.baseUri().resolve("/videos/" + id + "/events"), Duration.ofSeconds(30),
                e -> seen.add(e.get("status").asText())));
        assertEquals("uploaded", seen.poll(10, TimeUnit.SECONDS));
        assertEquals(202, Http.send(java.net.http.HttpRequest.newBuilder(node.baseUri().resolve("/videos/" + id))
                .DELETE()).status());
        SseClient.Stream s = stream.get(10, TimeUnit.SECONDS);
        assertTrue(s.closedByServer());
        assertEquals(List.of("uploaded", "deleted"), s.events().stream().map(e -> e.get("status").asText()).toList());
    }
}
