package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A restart with new bytes in its one transaction (the upload tests cover it through the API): the old
 * generation is stopped and the row starts over as the next generation with a PENDING job; a restart
 * from a view of the row that is out of date changes nothing at all, not even the stop.
 */
@Tag("db")
class VideoRestartTest {
    private final ManualClock clock = ManualClock.startingNow();
    private Platform p;
    private TaskRepository tasks;
    private JobRepository jobs;
    private VideoRestart restarts;
    private String video;

    @BeforeEach
    void setUp() {
        p = Platform.open(Settings.of(TestNodes.environment("restart")).with(Map.of("NODE_ID", "re")), "re", clock);
        tasks = new TaskRepository(p.sql());
        jobs = new JobRepository(p.sql());
        restarts = new VideoRestart(p.sql(), p.videos(), clock);
        video = TestVideos.insert(p);
        Instant now = clock.instant();
        p.sql().inTransaction(c -> {
            jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now);
            p.videos().transition(c, video, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned");
            return tasks.insert(c, video, 1, TaskKind.TRANSCODE, "", TaskState.READY, 3, now);
        });
    }

    @AfterEach
    void tearDown() {
        p.close();
    }

    private static Video as(Video v, VideoStatus status, String rawKey) {
        return new Video(v.videoId(), v.contentSha256(), v.profile(), status, v.title(), v.originalFilename(),
                v.contentType(), v.sizeBytes(), rawKey, v.generation(), v.source(), v.variants(), v.errorCode(),
                v.errorMessage(), v.createdAt(), v.updatedAt());
    }

    @Test
    void a_restart_stops_the_old_generation_and_starts_the_next_with_a_pending_job() {
        Video seen = p.videos().find(video).orElseThrow();
        assertTrue(restarts.restart(seen, as(seen, VideoStatus.UPLOADED, "raw/again-" + video), "repair"));
        Video now = p.videos().find(video).orElseThrow();
        assertEquals(2, now.generation());
        assertEquals(VideoStatus.UPLOADED, now.status());
        assertEquals("raw/again-" + video, now.rawKey());
        Task old = tasks.ofGeneration(video, 1).get(0);
        assertEquals(TaskState.FAILED, old.state());
        assertEquals("CANCELLED: repair", old.lastError());
        assertEquals(List.of(new JobRepository.Job(video, 1, JobState.FAILED), new JobRepository.Job(video, 2, JobState.PENDING)),
                jobs.ofVideo(video));
    }

    @Test
    void a_restart_from_an_out_of_date_view_changes_nothing_not_even_the_stop() {
        Video row = p.videos().find(video).orElseThrow();
        Video stale = as(row, VideoStatus.UPLOADED, row.rawKey()); // seen before the job started
        assertFalse(restarts.restart(stale, as(row, VideoStatus.UPLOADED, "raw/again-" + video), "repair"));
        assertEquals(row, p.videos().find(video).orElseThrow(), "the row is untouched");
        assertEquals(TaskState.READY, tasks.ofGeneration(video, 1).get(0).state(), "the stop was rolled back");
        assertEquals(List.of(new JobRepository.Job(video, 1, JobState.PLANNED)), jobs.ofVideo(video));
    }
}
