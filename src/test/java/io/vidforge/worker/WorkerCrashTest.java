package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.Variant;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.FakeMedia;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.ModuleHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A worker node that dies mid-task: its lease lapses and another worker finishes the video. */
@Tag("db")
class WorkerCrashTest {
    private LiveCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void a_worker_stopped_mid_task_has_its_task_retried_by_another_worker_and_the_video_is_published_once()
            throws Exception {
        cluster = new LiveCluster("worker-crash", Map.of("LEASE_SECONDS", "2", "TRANSCODE_SPLIT", "ladder"));
        Node upload = cluster.node("upload-1", Role.UPLOAD);
        cluster.node("orch-1", Role.ORCHESTRATOR);
        CountDownLatch stuckInTranscode = new CountDownLatch(1);
        cluster.media.onRun = ctx -> {
            if ("worker-1".equals(FakeMedia.currentWorker()) && ctx.task().kind() == TaskKind.TRANSCODE) {
                stuckInTranscode.countDown();
                new CountDownLatch(1).await(); // never returns on its own: the node is going down with it
            }
        };
        ModuleHarness<WorkerModule> doomed = cluster.worker("worker-1", Map.of());
        String id = LiveCluster.upload(upload, 7);
        assertTrue(stuckInTranscode.await(30, TimeUnit.SECONDS), "worker-1 took the whole-ladder transcode");
        cluster.worker("worker-2", Map.of());

        doomed.close(); // stops without completing: after its grace period the attempt is abandoned
        JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", Duration.ofSeconds(60));

        assertEquals(5, v.get("variants").size(), "four rungs and the audio rendition");
        Task transcode = new TaskRepository(upload.platform().sql()).ofGeneration(id, 1).stream()
                .filter(t -> t.kind() == TaskKind.TRANSCODE).findFirst().orElseThrow();
        assertEquals(TaskState.DONE, transcode.state());
        assertEquals(2, transcode.attempt(), "retried once");
        assertEquals("worker-2", transcode.owner());
        for (Variant variant : upload.platform().videos().find(id).orElseThrow().variants()) {
            assertTrue(variant.prefix().contains("/transcode/a2-"), "published from the retry: " + variant.prefix());
        }
        List<JsonNode> expired = cluster.events("LEASE_EXPIRED", id);
        assertEquals(1, expired.size());
        assertEquals("worker-1", expired.get(0).get("owner").asText());
        assertEquals(0, cluster.events("STALE_COMPLETION_REJECTED", id).size(), "the abandoned attempt reported nothing");
        assertEquals(1, cluster.media.publishesPerVideo.get(id).get(), "one publish");
        cluster.assertOneStateChange(id, "ready");
    }
}
