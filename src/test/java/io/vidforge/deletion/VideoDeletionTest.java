package io.vidforge.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.util.concurrent.Uninterruptibles;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.Video;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.Await;
import io.vidforge.testing.Http;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.SampleBytes;
import io.vidforge.worker.PermanentTaskException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** DELETE /videos/{id} as clients and workers see it, and the same bytes uploaded again afterwards. */
@Tag("db")
class VideoDeletionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private LiveCluster cluster;
    private Node upload;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        cluster = new LiveCluster("video-deletion", Map.of());
        upload = cluster.node("upload-1", Role.UPLOAD);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        cluster.close();
    }

    private Http.Response delete(String id) {
        return Http.method(LiveCluster.uri(upload, "/videos/" + id), "DELETE", null);
    }

    private void assertDeleted(String id, String from) {
        Http.Response r = delete(id);
        assertEquals(202, r.status(), r.text());
        assertEquals(id, r.json().get("video_id").asText());
        assertEquals("deleted", r.json().get("status").asText());
        Http.Response again = delete(id);
        assertEquals(202, again.status(), "a repeated delete gives the same answer");
        assertEquals(r.json(), again.json());

        JsonNode v = LiveCluster.video(upload, id);
        assertEquals("deleted", v.get("status").asText(), "GET shows the tombstone");
        List<String> history = history(v);
        assertEquals("deleted", history.get(history.size() - 1));
        assertEquals(from, history.get(history.size() - 2), "the history keeps what came before");
        assertFalse(listed(id), "a deleted video leaves the listing");
        assertEquals(1, cluster.events("VIDEO_DELETED", id).size(), "logged once, however often asked");
        List<JsonNode> changes = cluster.events("STATE_CHANGE", id).stream()
                .filter(e -> e.path("to").asText().equals("deleted")).toList();
        assertEquals(1, changes.size());
        assertEquals(from, changes.get(0).get("from").asText());
        assertEquals(1, upload.platform().sql().queryOne("SELECT COUNT(*) FROM webhook_events WHERE video_id = ?"
                + " AND event_type = 'video.deleted'", rs -> rs.getInt(1), id).orElse(0),
                "one video.deleted webhook event, written with the change");
        assertTrue(new JobRepository(upload.platform().sql()).ofVideo(id).stream()
                .noneMatch(j -> j.state() == JobState.PENDING || j.state() == JobState.PLANNED), "no live job");
        assertTrue(new TaskRepository(upload.platform().sql()).ofGeneration(id, v.get("generation").asInt()).stream()
                .noneMatch(t -> Set.of(TaskState.READY, TaskState.RUNNING, TaskState.WAITING).contains(t.state())),
                "no task of the deleted video can still be claimed or completed");
    }

    @Test
    void a_video_is_deleted_in_every_state_idempotently_and_leaves_the_listing() {
        String uploaded = LiveCluster.upload(upload, 1); // no orchestrator yet: it stays uploaded
        assertTrue(listed(uploaded));
        assertDeleted(uploaded, "uploaded");

        Map<String, String> roles = new ConcurrentHashMap<>();
        CountDownLatch inTranscode = new CountDownLatch(1);
        cluster.media.onRun = ctx -> {
            String role = roles.getOrDefault(ctx.task().videoId(), "");
            if (role.equals("fail")) {
                throw new PermanentTaskException("INVALID_MEDIA", "not a video");
            }
            if (role.equals("hold") && ctx.task().kind().encodes()) { // a TRANSCODE, or the chunked plan's tasks
                inTranscode.countDown();
                while (!ctx.cancelled()) {
                    Thread.sleep(10);
                }
            }
        };
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of("WORKER_CONCURRENCY", "2"));
        String ready = LiveCluster.upload(upload, 2);
        LiveCluster.awaitStatus(upload, ready, "ready", TIMEOUT);
        assertDeleted(ready, "ready");

        String failed = upload(3, roles, "fail");
        LiveCluster.awaitStatus(upload, failed, "failed", TIMEOUT);
        assertDeleted(failed, "failed");

        String processing = upload(4, roles, "hold");
        assertTrue(Uninterruptibles.awaitUninterruptibly(inTranscode, 30, TimeUnit.SECONDS), "an encode under way");
        assertDeleted(processing, "processing");

        Http.Response unknown = delete("0".repeat(64));
        assertEquals(404, unknown.status());
        assertEquals("NOT_FOUND", unknown.json().get("error").get("code").asText());
        assertEquals(400, delete("ZZ").status());
        Http.Response reprocess = Http.post(LiveCluster.uri(upload, "/videos/" + ready + "/process?force=true"),
                new byte[0], null);
        assertEquals(410, reprocess.status(), "a deleted video cannot be reprocessed, only uploaded again");
        assertEquals("VIDEO_DELETED", reprocess.json().get("error").get("code").asText());
        assertEquals(4, Http.get(LiveCluster.uri(upload, "/videos?status=deleted")).json().get("videos").size(),
                "asked for by status, the tombstones are found");
    }

    @Test
    void a_delete_mid_transcode_stops_the_worker_at_its_next_heartbeat_and_its_late_publish_is_rejected() {
        CountDownLatch inPublish = new CountDownLatch(1);
        CountDownLatch sawCancel = new CountDownLatch(1);
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind() == TaskKind.PUBLISH) {
                inPublish.countDown();
                // A worker that does not listen: it finishes and reports after the delete anyway.
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (!ctx.cancelled() && System.nanoTime() < deadline) {
                    Uninterruptibles.sleepUninterruptibly(10, TimeUnit.MILLISECONDS);
                }
                if (ctx.cancelled()) {
                    sawCancel.countDown();
                }
                Uninterruptibles.awaitUninterruptibly(release);
            }
        };
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        String id = LiveCluster.upload(upload, 5);
        Uninterruptibles.awaitUninterruptibly(inPublish, 30, TimeUnit.SECONDS);

        assertEquals(202, delete(id).status());
        assertTrue(Uninterruptibles.awaitUninterruptibly(sawCancel, 10, TimeUnit.SECONDS),
                "the next heartbeat finds the claim gone and cancels the handler (a real worker kills its ffmpeg)");
        // The worker logs the lost claim just after it cancelled the handler: the line may trail the cancel.
        Await.until(Duration.ofSeconds(10), "TASK_HEARTBEAT_LOST logged",
                () -> cluster.events("TASK_HEARTBEAT_LOST", id).size() == 1);
        release.countDown();
        Await.until(TIMEOUT, "the late publish is rejected",
                () -> cluster.events("STALE_COMPLETION_REJECTED", id).size() == 1);
        JsonNode v = LiveCluster.video(upload, id);
        assertEquals("deleted", v.get("status").asText(), "the late publish changed nothing");
        assertEquals(0, v.get("variants").size());
        assertTrue(cluster.events("STATE_CHANGE", id).stream().noneMatch(e -> e.path("to").asText().equals("ready")));
    }

    @Test
    void the_same_bytes_uploaded_after_a_delete_answer_201_and_are_processed_anew() {
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        String id = LiveCluster.upload(upload, 6);
        LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        Video before = upload.platform().videos().find(id).orElseThrow();
        assertEquals(202, delete(id).status());

        Http.Response again = postUpload(6);
        assertEquals(201, again.status(), again.text());
        assertEquals(id, again.json().get("video_id").asText());
        assertFalse(again.json().get("duplicate").asBoolean());
        JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        assertEquals(2, v.get("generation").asInt(), "processed anew as a new generation");
        assertEquals(List.of("uploaded", "processing", "ready", "deleted", "uploaded", "processing", "ready"), history(v));
        assertTrue(listed(id));
        Video after = upload.platform().videos().find(id).orElseThrow();
        assertNotEquals(before.rawKey(), after.rawKey(), "the revived video refers to the bytes of this upload");
        assertTrue(upload.platform().store().exists(after.rawKey()));
        assertEquals(200, postUpload(6).status(), "and now it is a duplicate again");
    }

    @Test
    void a_duplicate_upload_whose_raw_object_is_missing_repairs_the_video() {
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        String id = LiveCluster.upload(upload, 7);
        LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        Video lost = upload.platform().videos().find(id).orElseThrow();
        upload.platform().store().delete(lost.rawKey()); // a store that lost it (or a fresh one)

        Http.Response r = postUpload(7);
        assertEquals(201, r.status(), "the bytes are stored and processed, not trusted to the row: " + r.text());
        JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        assertEquals(2, v.get("generation").asInt());
        Video repaired = upload.platform().videos().find(id).orElseThrow();
        assertTrue(upload.platform().store().exists(repaired.rawKey()));
        assertEquals(1, cluster.events("RAW_OBJECT_MISSING", id).size());
    }

    private String upload(long seed, Map<String, String> roles, String role) {
        byte[] body = SampleBytes.pseudoMp4(20_000, seed);
        String id = io.vidforge.upload.ContentId.videoId(
                com.google.common.hash.Hashing.sha256().hashBytes(body).toString(),
                upload.platform().ladder().profileId());
        roles.put(id, role);
        Http.Response r = Http.post(LiveCluster.uri(upload, "/upload"), body, "video/mp4");
        assertEquals(201, r.status(), r.text());
        assertEquals(id, r.json().get("video_id").asText());
        return id;
    }

    private Http.Response postUpload(long seed) {
        return Http.post(LiveCluster.uri(upload, "/upload"), SampleBytes.pseudoMp4(20_000, seed), "video/mp4");
    }

    private boolean listed(String id) {
        JsonNode page = Http.get(LiveCluster.uri(upload, "/videos?limit=100")).json();
        return StreamSupport.stream(page.get("videos").spliterator(), false)
                .anyMatch(v -> v.get("video_id").asText().equals(id));
    }

    private static List<String> history(JsonNode v) {
        return StreamSupport.stream(v.get("history").spliterator(), false).map(h -> h.get("status").asText()).toList();
    }
}
