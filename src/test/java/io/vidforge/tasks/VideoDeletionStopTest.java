package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A delete at the level of its one transaction (VideoDeletionTest covers it through the API): it stops
 * the current generation (every unfinished task cancelled, the job failed), turns the row into a
 * tombstone, logs VIDEO_DELETED and the state change once, and answers what the row was; a second
 * delete, or one of a video that does not exist, changes and logs nothing.
 */
@Tag("db")
class VideoDeletionStopTest {
    private final ManualClock clock = ManualClock.startingNow();
    private Platform p;
    private TaskRepository tasks;
    private VideoDeletion deletion;
    private String video;

    @BeforeEach
    void setUp() {
        p = Platform.open(Settings.of(TestNodes.environment("deletion-stop")).with(Map.of("NODE_ID", "del")), "del", clock);
        tasks = new TaskRepository(p.sql());
        deletion = new VideoDeletion(p.sql(), p.videos(), p.events(Role.UPLOAD), clock);
        video = TestVideos.insert(p);
        JobRepository jobs = new JobRepository(p.sql());
        Instant now = clock.instant();
        p.sql().inTransaction(c -> {
            jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now);
            p.videos().transition(c, video, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned");
            tasks.insert(c, video, 1, TaskKind.TRANSCODE, "", TaskState.READY, 3, now);
            return tasks.insert(c, video, 1, TaskKind.PUBLISH, "", TaskState.WAITING, 3, now);
        });
    }

    @AfterEach
    void tearDown() {
        p.close();
    }

    private List<JsonNode> logged(String event) {
        return EventLogs.events(p.settings().logDir(), event, e -> video.equals(e.path("video_id").asText()));
    }

    @Test
    void deleting_a_processing_video_stops_its_generation_tombstones_the_row_and_logs_it_once() {
        Task running = tasks.claim("worker-1", EnumSet.of(TaskKind.TRANSCODE), clock.instant(), Duration.ofSeconds(30))
                .orElseThrow();
        Optional<Video> before = deletion.delete(video);
        assertEquals(VideoStatus.PROCESSING, before.orElseThrow().status(), "the row as it was");
        assertEquals(1, before.get().generation());

        assertEquals(VideoStatus.DELETED, p.videos().find(video).orElseThrow().status());
        for (Task t : tasks.ofGeneration(video, 1)) {
            assertEquals(TaskState.FAILED, t.state(), t.toString());
            assertEquals("CANCELLED: video deleted", t.lastError());
        }
        assertTrue(tasks.find(running.taskId()).orElseThrow().version() > running.version(),
                "the running claim is fenced off: its worker stops at its next heartbeat");
        assertEquals(JobState.FAILED, new JobRepository(p.sql()).ofVideo(video).get(0).state());
        List<JsonNode> deleted = logged("VIDEO_DELETED");
        assertEquals(1, deleted.size());
        assertEquals("processing", deleted.get(0).path("from").asText());
        assertEquals("raw/" + video, deleted.get(0).path("raw_key").asText());
        List<JsonNode> changes = logged("STATE_CHANGE");
        assertEquals(1, changes.size());
        assertEquals("deleted", changes.get(0).path("to").asText());
        assertEquals("delete", changes.get(0).path("reason").asText());

        assertEquals(Optional.empty(), deletion.delete(video), "deleted already: nothing to answer");
        assertEquals(1, logged("VIDEO_DELETED").size(), "and nothing logged again");
        assertEquals(1, logged("STATE_CHANGE").size());
        assertEquals(Optional.empty(), deletion.delete("f".repeat(64)), "no such video");
    }
}
