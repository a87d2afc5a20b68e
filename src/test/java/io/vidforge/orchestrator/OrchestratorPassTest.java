package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import io.vidforge.worker.Worker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One orchestrator pass at a time: what each step of a plan changes, and that a pass reports whether it
 * changed anything. The loop runs the next pass at once after a pass that changed something (the next
 * step of a plan is often ready right away) and waits for a wake-up or the poll interval after an idle
 * one, so a pass that under-reports slows every video down and one that over-reports spins.
 */
@Tag("db")
class OrchestratorPassTest {
    private ManualCluster cluster;
    private Orchestrator orchestrator;
    private Worker worker;
    private String video;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(String split) {
        cluster = new ManualCluster("passes-" + split, Map.of("TRANSCODE_SPLIT", split));
        orchestrator = cluster.orchestrator("orch-1");
        worker = cluster.worker("worker-1");
        video = TestVideos.insert(cluster.platform());
    }

    /** The job started as JobStarter starts it, so that the next pass is the planner's alone. */
    private void startedByHand() {
        JobRepository jobs = new JobRepository(cluster.platform().sql());
        cluster.platform().sql().inTransaction(c -> {
            jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, cluster.clock.instant());
            return cluster.platform().videos().transition(c, video, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "test");
        });
    }

    private List<String> plan() {
        return cluster.tasks(video, 1).stream().map(t -> t.kind() + ":" + t.variant() + ":" + t.state()).toList();
    }

    private JobState job() {
        return new JobRepository(cluster.platform().sql()).ofVideo(video).get(0).state();
    }

    /** Lets the worker run exactly one claimable task. */
    private void runOneTask() {
        assertEquals(1, worker.pollOnce());
        ManualCluster.awaitIdle(worker);
    }

    @Test
    void each_pass_that_grows_the_plan_reports_a_change_and_an_idle_pass_does_not() {
        start("ladder");
        startedByHand();
        assertTrue(orchestrator.runOnce(), "the PROBE is inserted");
        assertEquals(List.of("PROBE::READY"), plan());
        assertFalse(orchestrator.runOnce(), "nothing to do while the PROBE is not done");
        runOneTask();
        assertTrue(orchestrator.runOnce(), "the fan-out");
        assertEquals(List.of("PROBE::DONE", "TRANSCODE::READY", "PUBLISH::WAITING"), plan());
        assertEquals(2, cluster.events("TASK_CREATED", video).stream()
                .filter(e -> !e.path("kind").asText().equals("PROBE")).count());
        assertFalse(orchestrator.runOnce(), "a fan-out is done once");
        runOneTask();
        assertTrue(orchestrator.runOnce(), "the fan-in: PUBLISH promoted");
        assertEquals(List.of("PROBE::DONE", "TRANSCODE::DONE", "PUBLISH::READY"), plan());
        assertEquals(1, cluster.events("TASK_READY", video).size());
        assertEquals("PUBLISH", cluster.events("TASK_READY", video).get(0).path("kind").asText());
        assertFalse(orchestrator.runOnce(), "promoted once");
        assertEquals(1, cluster.events("TASK_READY", video).size());
        runOneTask();
        assertEquals(VideoStatus.READY, cluster.platform().videos().find(video).orElseThrow().status());
        assertEquals(JobState.DONE, job());
        assertFalse(orchestrator.runOnce(), "a finished job asks for nothing");
    }

    @Test
    void the_publish_of_a_per_rung_plan_waits_until_every_transcode_is_done() {
        start("rung");
        startedByHand();
        assertTrue(orchestrator.runOnce());
        runOneTask(); // PROBE
        assertTrue(orchestrator.runOnce(), "the per-rung fan-out");
        List<Task> transcodes = cluster.tasks(video, 1).stream().filter(t -> t.kind() == TaskKind.TRANSCODE).toList();
        assertEquals(5, transcodes.size(), "four rungs of a 720p source and the audio: " + plan());
        for (int i = 0; i < transcodes.size() - 1; i++) {
            runOneTask();
            assertFalse(orchestrator.runOnce(), (i + 1) + " of " + transcodes.size() + " transcodes done");
            assertEquals(TaskState.WAITING, cluster.task(video, TaskKind.PUBLISH, "").state());
        }
        runOneTask();
        assertTrue(orchestrator.runOnce(), "the last transcode done: PUBLISH promoted");
        assertEquals(TaskState.READY, cluster.task(video, TaskKind.PUBLISH, "").state());
        ManualCluster.runUntilQuiet(orchestrator, worker);
        assertEquals(VideoStatus.READY, cluster.platform().videos().find(video).orElseThrow().status());
    }

    @Test
    void a_probe_that_found_no_picture_fails_the_video_as_invalid_media_and_plans_no_transcode() {
        start("ladder");
        cluster.media.sourceHeight = 0;
        assertTrue(orchestrator.runOnce());
        runOneTask(); // the probe succeeds, but its result has no usable picture
        assertTrue(orchestrator.runOnce(), "failing the generation is a change");
        Video v = cluster.platform().videos().find(video).orElseThrow();
        assertEquals(VideoStatus.FAILED, v.status());
        assertEquals("INVALID_MEDIA", v.errorCode());
        assertEquals(List.of("PROBE::DONE"), plan(), "no TRANSCODE, no PUBLISH");
        assertEquals(JobState.FAILED, job());
        assertEquals(1, cluster.events("STATE_CHANGE", video).stream()
                .filter(e -> e.path("to").asText().equals("failed")).count());
        assertFalse(orchestrator.runOnce());
    }

    @Test
    void a_pending_job_starts_its_video_once_and_one_that_is_not_the_current_generation_is_failed() {
        start("ladder");
        JobRepository jobs = new JobRepository(cluster.platform().sql());
        long now = cluster.clock.millis();
        cluster.platform().sql().inTransaction(c -> {
            jobs.insertPending(c, video, 7, "stale", now); // a generation the video is not at
            return null;
        });
        assertTrue(orchestrator.runOnce());
        assertEquals(VideoStatus.PROCESSING, cluster.platform().videos().find(video).orElseThrow().status());
        assertEquals(List.of(new JobRepository.Job(video, 1, JobState.PLANNED), new JobRepository.Job(video, 7, JobState.FAILED)),
                jobs.ofVideo(video));
        assertEquals(1, cluster.events("STATE_CHANGE", video).size());
        assertEquals("uploaded", cluster.events("STATE_CHANGE", video).get(0).path("from").asText());
        assertEquals("processing", cluster.events("STATE_CHANGE", video).get(0).path("to").asText());
        assertEquals(List.of("PROBE::READY"), plan(), "only the current generation is planned");
        assertFalse(orchestrator.runOnce());
        assertEquals(1, cluster.events("STATE_CHANGE", video).size(), "started once");
    }

    @Test
    void a_pending_job_of_a_video_already_processing_is_started_without_a_second_state_change() {
        start("ladder");
        cluster.platform().sql().inTransaction(c -> cluster.platform().videos().transition(c, video, 1,
                VideoStatus.UPLOADED, VideoStatus.PROCESSING, "test"));
        assertTrue(orchestrator.runOnce());
        assertEquals(JobState.PLANNED, job());
        assertEquals(List.of("PROBE::READY"), plan());
        assertEquals(0, cluster.events("STATE_CHANGE", video).size(), "the video did not change");
    }

    @Test
    void a_pending_job_of_a_video_that_failed_meanwhile_is_failed_not_started() {
        start("ladder");
        cluster.platform().sql().inTransaction(c -> cluster.platform().videos().fail(c, video, 1, "TEST", "gone"));
        orchestrator.runOnce();
        assertEquals(JobState.FAILED, job());
        assertEquals(List.of(), plan());
        assertEquals(VideoStatus.FAILED, cluster.platform().videos().find(video).orElseThrow().status());
    }
}
