package io.vidforge.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.json.Json;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.Http;
import io.vidforge.testing.LiveCluster;
import io.vidforge.worker.PermanentTaskException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The transactional outbox: every status change of a video, on every path that makes one (upload, job
 * start, task failure, manual requeue, publish), commits with exactly one webhook event, and a change that
 * does not happen (refused or rolled back) leaves none.
 */
@Tag("db")
class WebhookOutboxTest {
    private LiveCluster cluster;
    private Node upload;

    @BeforeEach
    void setUp() {
        cluster = new LiveCluster("outbox", Map.of());
        upload = cluster.node("upload-1", Role.UPLOAD);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void every_status_change_on_every_path_commits_with_exactly_one_event() {
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        cluster.media.onRun = ctx -> {
            if (ctx.task().generation() == 1) {
                throw new PermanentTaskException("INVALID_MEDIA", "not this time");
            }
        };
        String id = LiveCluster.upload(upload, 41);
        LiveCluster.awaitStatus(upload, id, "failed", Duration.ofSeconds(60));
        assertEquals(202, Http.post(LiveCluster.uri(upload, "/videos/" + id + "/process"), new byte[0], null).status());
        JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", Duration.ofSeconds(60));

        List<String> history = upload.platform().videos().history(id).stream().map(h -> "video." + h.status().id()).toList();
        assertEquals(List.of("video.uploaded", "video.processing", "video.failed", "video.uploaded", "video.processing",
                "video.ready"), history);
        List<JsonNode> events = events(id);
        assertEquals(history, events.stream().map(e -> e.get("type").asText()).toList(),
                "one event per change, in the order of the changes");
        assertEquals(events.size(), new HashSet<>(events.stream().map(e -> e.get("id").asText()).toList()).size(),
                "every event has its own id");
        assertEquals("INVALID_MEDIA", events.get(2).get("data").get("error").get("code").asText());
        assertEquals(2, events.get(5).get("data").get("generation").asInt());
        assertEquals("/play/" + id + "/master.m3u8", events.get(5).get("data").get("playback_url").asText());
        assertEquals(v.get("video_id").asText(), events.get(5).get("video_id").asText());
    }

    @Test
    void a_refused_or_rolled_back_change_leaves_no_event() {
        String id = LiveCluster.upload(upload, 42);
        var sql = upload.platform().sql();
        var videos = upload.platform().videos();
        boolean refused = sql.inTransaction(c -> videos.transition(c, id, 1, VideoStatus.PROCESSING, VideoStatus.READY, "x"));
        assertFalse(refused, "the video is not processing");
        assertThrows(IllegalStateException.class, () -> sql.inTransaction(c -> {
            videos.transition(c, id, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned");
            throw new IllegalStateException("the rest of the transaction failed");
        }));
        assertEquals(VideoStatus.UPLOADED, videos.find(id).orElseThrow().status());
        assertEquals(List.of("video.uploaded"), events(id).stream().map(e -> e.get("type").asText()).toList());
    }

    @Test
    void deleting_a_video_commits_one_video_deleted_event_and_a_repeated_delete_none() {
        String id = LiveCluster.upload(upload, 43);
        java.net.URI video = LiveCluster.uri(upload, "/videos/" + id);
        assertEquals(202, Http.send(java.net.http.HttpRequest.newBuilder(video).DELETE()).status());
        assertEquals(202, Http.send(java.net.http.HttpRequest.newBuilder(video).DELETE()).status(), "again 202");
        List<JsonNode> events = events(id);
        assertEquals(List.of("video.uploaded", "video.deleted"), events.stream().map(e -> e.get("type").asText()).toList());
        assertEquals("deleted", events.get(1).get("data").get("status").asText());
    }

    private List<JsonNode> events(String id) {
        return upload.platform().sql().query("SELECT body FROM webhook_events WHERE video_id = ? ORDER BY seq",
                rs -> rs.getString(1), id).stream().map(b -> Json.read(b, JsonNode.class)).toList();
    }
}
