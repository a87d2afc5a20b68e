package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.JobRepository.Job;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskStore;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Starting PENDING jobs on its own: the count is of jobs started (a job of a generation the video left
 * behind is failed, not counted), and a job another leader started after this one listed it is left
 * alone: no second start, no second state change.
 */
@Tag("db")
class JobStarterTest {
    private ManualCluster cluster;
    private Platform p;
    private TaskSignals signals;
    private JobStarter starter;
    private JobRepository jobs;

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("job-starter", Map.of());
        cluster.orchestratorNode("orch-1");
        p = cluster.platform();
        signals = TaskSignals.acquire(p);
        starter = new JobStarter(TaskStore.of(p, signals), p.events(Role.ORCHESTRATOR), cluster.clock);
        jobs = new JobRepository(p.sql());
    }

    @AfterEach
    void tearDown() {
        signals.close();
        cluster.close();
    }

    private VideoStatus status(String video) {
        return p.videos().find(video).orElseThrow().status();
    }

    @Test
    void a_pass_counts_the_jobs_it_started_and_not_the_stale_ones_it_failed() {
        String current = TestVideos.insert(p);
        String moved = TestVideos.insert(p);
        long now = cluster.clock.millis();
        p.sql().inTransaction(c -> {
            jobs.insertPending(c, moved, 2, "stale", now); // a generation the video is not at
            return null;
        });
        assertEquals(2, starter.startPending(), "the two current jobs; the stale one is failed");
        assertEquals(VideoStatus.PROCESSING, status(current));
        assertEquals(VideoStatus.PROCESSING, status(moved));
        assertEquals(List.of(new Job(moved, 1, JobState.PLANNED), new Job(moved, 2, JobState.FAILED)), jobs.ofVideo(moved));
        assertEquals(0, starter.startPending(), "nothing pending any more");
    }

    @Test
    void a_job_another_leader_started_since_the_listing_is_not_started_again() {
        String video = TestVideos.insert(p);
        Job listed = jobs.inState(JobState.PENDING, 10).get(0);
        assertEquals(new Job(video, 1, JobState.PENDING), listed);
        assertEquals(1, starter.startPending(), "another leader's pass starts it");
        assertFalse(starter.start(listed), "this leader's stale listing");
        assertEquals(List.of(new Job(video, 1, JobState.PLANNED)), jobs.ofVideo(video));
        assertEquals(VideoStatus.PROCESSING, status(video));
        assertEquals(1, cluster.events("STATE_CHANGE", video).size(), "one start, one state change");
    }
}
