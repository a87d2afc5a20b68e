package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.Await;
import io.vidforge.testing.Http;
import io.vidforge.testing.LiveCluster;
import io.vidforge.worker.PermanentTaskException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The lifecycle as API clients see it: GET /videos/{id} and the manual trigger POST /videos/{id}/process. */
@Tag("db")
class ProcessingApiTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private LiveCluster cluster;
    private Node upload;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        cluster = new LiveCluster("processing-api", Map.of());
        upload = cluster.node("upload-1", Role.UPLOAD);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        cluster.close();
    }

    private Http.Response process(String id) {
        return Http.post(LiveCluster.uri(upload, "/videos/" + id + "/process"), new byte[0], null);
    }

    private List<JobState> jobs(String id) {
        return new JobRepository(upload.platform().sql()).ofVideo(id).stream().map(JobRepository.Job::state).toList();
    }

    @Test
    void invalid_media_fails_at_once_with_one_attempt_and_error_code_invalid_media() {
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        cluster.media.onRun = ctx -> {
            throw new PermanentTaskException("INVALID_MEDIA", "The upload has no video stream.");
        };
        String id = LiveCluster.upload(upload, 1);
        JsonNode v = LiveCluster.awaitStatus(upload, id, "failed", TIMEOUT);
        assertEquals(1, v.get("attempts").asInt());
        assertEquals("INVALID_MEDIA", v.get("error").get("code").asText());
        assertEquals("The upload has no video stream.", v.get("error").get("message").asText());
        assertEquals(0, cluster.events("TASK_RETRY", id).size());
        assertEquals(1, cluster.events("TASK_FAILED", id).size());
        assertEquals(List.of(JobState.FAILED), jobs(id));
        assertEquals(List.of("uploaded", "processing", "failed"), history(v));
    }

    @Test
    void the_manual_trigger_requeues_a_failed_video_and_its_new_generation_becomes_ready() {
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of());
        cluster.media.onRun = ctx -> {
            if (ctx.task().generation() == 1) {
                throw new PermanentTaskException("INVALID_MEDIA", "not this time");
            }
        };
        String id = LiveCluster.upload(upload, 2);
        LiveCluster.awaitStatus(upload, id, "failed", TIMEOUT);

        Http.Response r = process(id);
        assertEquals(202, r.status(), r.text());
        assertTrue(r.json().get("queued").asBoolean());
        assertEquals(2, r.json().get("generation").asInt());
        JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);

        assertEquals(2, v.get("generation").asInt());
        assertTrue(v.get("error").isNull(), "the old error is cleared");
        assertEquals(5, v.get("variants").size(), "four rungs and the audio rendition");
        assertEquals(List.of(JobState.FAILED, JobState.DONE), jobs(id));
        TaskRepository tasks = new TaskRepository(upload.platform().sql());
        assertEquals(List.of(TaskState.FAILED), tasks.ofGeneration(id, 1).stream().map(t -> t.state()).toList(),
                "generation 1 stays as it ended");
        assertTrue(tasks.ofGeneration(id, 2).stream().allMatch(t -> t.state() == TaskState.DONE));
        assertEquals(1, cluster.media.publishesPerVideo.get(id).get());
        assertEquals(List.of("uploaded", "processing", "failed", "uploaded", "processing", "ready"), history(v));
    }

    @Test
    void the_manual_trigger_starts_no_second_job_for_a_video_that_is_uploaded_or_processing() throws Exception {
        // No orchestrator yet: the video waits in "uploaded".
        String id = LiveCluster.upload(upload, 3);
        Http.Response queued = process(id);
        assertEquals(202, queued.status());
        assertFalse(queued.json().get("queued").asBoolean());
        assertEquals("uploaded", queued.json().get("status").asText());
        assertEquals(1, upload.platform().jobs().count(id));

        CountDownLatch inTranscode = new CountDownLatch(1);
        cluster.media.onRun = ctx -> {
            if (ctx.task().kind().encodes()) {
                ctx.progress(0.5);
                inTranscode.countDown();
                release.await();
            }
        };
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.worker("worker-1", Map.of("WORKER_CONCURRENCY", "2"));
        assertTrue(inTranscode.await(30, TimeUnit.SECONDS));
        JsonNode processing = Await.value(TIMEOUT, "progress reported", () -> {
            JsonNode v = LiveCluster.video(upload, id);
            return v.get("progress").asDouble() > 0.05 ? v : null;
        });
        assertEquals("processing", processing.get("status").asText());
        assertTrue(processing.get("progress").asDouble() < 1.0);

        Http.Response busy = process(id);
        assertEquals(202, busy.status());
        assertFalse(busy.json().get("queued").asBoolean());
        assertEquals("processing", busy.json().get("status").asText());
        assertEquals(1, upload.platform().jobs().count(id), "no second job");

        release.countDown();
        JsonNode ready = LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        assertEquals(1, ready.get("generation").asInt());
        assertEquals(List.of(JobState.DONE), jobs(id));
        assertEquals(409, process(id).status(), "ready needs force=true");
    }

    private static List<String> history(JsonNode v) {
        return java.util.stream.StreamSupport.stream(v.get("history").spliterator(), false)
                .map(h -> h.get("status").asText()).toList();
    }
}
