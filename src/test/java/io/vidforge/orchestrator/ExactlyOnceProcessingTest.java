package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.LiveCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many videos, several workers and two orchestrators: every video is processed and published exactly once,
 * with the whole-ladder plan (the default) and with the per-rung plan.
 */
@Tag("db")
class ExactlyOnceProcessingTest {
    private LiveCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TranscodeSplit.class)
    void ten_videos_on_three_workers_are_each_published_exactly_once_and_no_task_ever_runs_twice_at_once(
            TranscodeSplit split) {
        cluster = new LiveCluster("exactly-once", Map.of("TRANSCODE_SPLIT", split.id(), "CHUNK_SECONDS", "4"));
        // PROBE, then one whole-ladder TRANSCODE, or one per rendition (four video rungs for a 720p source and
        // the audio), or the audio and two chunks of the 10 s source, then PUBLISH.
        int planSize = 1 + switch (split) {
            case LADDER -> 1;
            case RUNG -> 5;
            case CHUNK -> 3;
        } + 1;
        Node upload = cluster.node("upload-1", Role.UPLOAD);
        cluster.node("orch-1", Role.ORCHESTRATOR);
        cluster.node("orch-2", Role.ORCHESTRATOR);
        for (int i = 1; i <= 3; i++) {
            cluster.worker("worker-" + i, Map.of("WORKER_CONCURRENCY", "2"));
        }
        cluster.media.onRun = ctx -> {
            for (int step = 1; step <= 4; step++) { // a little work, so that a double claim would overlap
                ctx.progress(step / 4.0);
                Thread.sleep(3);
            }
        };
        List<String> ids = new ArrayList<>();
        long began = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            ids.add(LiveCluster.upload(upload, 1000 + i));
        }
        for (String id : ids) {
            JsonNode v = LiveCluster.awaitStatus(upload, id, "ready", Duration.ofSeconds(90));
            assertEquals(1.0, v.get("progress").asDouble());
            assertEquals(1, v.get("attempts").asInt());
            assertEquals(5, v.get("variants").size(), "a 720p source gets 720p, 480p, 360p, 240p and the audio");
        }
        System.out.printf("10 videos x %d tasks (%s split) on 3 workers x 2 slots: all ready after %d ms%n",
                planSize, split.id(), (System.nanoTime() - began) / 1_000_000);

        assertEquals(1, cluster.media.maxOverlapPerTask.get(), "no task ever ran twice at the same time");
        TaskRepository tasks = new TaskRepository(upload.platform().sql());
        JobRepository jobs = new JobRepository(upload.platform().sql());
        for (String id : ids) {
            List<Task> plan = tasks.ofGeneration(id, 1);
            assertEquals(planSize, plan.size(), plan.toString());
            assertEquals(planSize - 2, plan.stream().filter(t -> t.kind().encodes()).count());
            for (Task t : plan) {
                assertEquals(TaskState.DONE, t.state(), t.toString());
                assertEquals(1, t.attempt(), "no retries were needed: " + t);
                assertEquals(1, cluster.media.executionsOf(t.taskId()), "executed once: " + t);
            }
            assertEquals(1, cluster.media.publishesPerVideo.get(id).get(), "one publish");
            assertEquals(1, upload.platform().videos().history(id).stream()
                    .filter(h -> h.status() == VideoStatus.READY).count(), "one transition to ready");
            cluster.assertOneStateChange(id, "ready");
            assertEquals(planSize, cluster.events("TASK_CREATED", id).size(), "no task planned twice");
            assertEquals(List.of(JobState.DONE), jobs.ofVideo(id).stream().map(JobRepository.Job::state).toList());
        }
        Set<String> planners = cluster.events("TASK_CREATED", null).stream().map(e -> e.get("node_id").asText())
                .collect(Collectors.toSet());
        assertEquals(1, planners.size(), "one leader planned everything: " + planners);
        Map<String, Long> perWorker = cluster.media.executions.stream()
                .collect(Collectors.groupingBy(e -> e.worker(), Collectors.counting()));
        System.out.println("executions per worker: " + perWorker);
        assertTrue(perWorker.size() >= 2, "work spread over workers: " + perWorker);
        assertEquals(10 * planSize, cluster.media.executions.size());
        assertTrue(cluster.media.executions.stream().filter(e -> e.kind() == TaskKind.PUBLISH).count() == 10);
    }
}
