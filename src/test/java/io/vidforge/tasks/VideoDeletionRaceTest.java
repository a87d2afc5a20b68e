package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.LockWaits;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A delete racing the changes it must not overlap (VideoDeletionStopTest covers a delete on its own). A
 * delete reads the row, then takes the time, then runs its one transaction: the clock it is given runs a
 * test's change at that moment, so "the row moved on between the read and the transaction" happens on
 * demand, and so does a completion holding the job row when the delete's transaction starts.
 */
@Tag("db")
class VideoDeletionRaceTest {
    private final ManualClock clock = ManualClock.startingNow();
    private Platform p;
    private TaskRepository tasks;
    private JobRepository jobs;
    private String video;

    /** The delete's clock: runs {@code onRead} (with the try's number, from 1) each time the delete takes the time. */
    private static final class RacingClock extends Clock {
        private final Clock time;
        private final IntConsumer onRead;
        private final AtomicInteger reads = new AtomicInteger();

        RacingClock(Clock time, IntConsumer onRead) {
            this.time = time;
            this.onRead = onRead;
        }

        @Override
        public Instant instant() {
            onRead.accept(reads.incrementAndGet());
            return time.instant();
        }

        @Override
        public ZoneId getZone() {
            return time.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @BeforeEach
    void setUp() {
        p = Platform.open(Settings.of(TestNodes.environment("deletion-race")).with(Map.of("NODE_ID", "race")), "race",
                clock);
        tasks = new TaskRepository(p.sql());
        jobs = new JobRepository(p.sql());
        video = TestVideos.insert(p); // uploaded, its job PENDING
    }

    @AfterEach
    void tearDown() {
        p.close();
    }

    private VideoDeletion deletion(IntConsumer onRead) {
        return new VideoDeletion(p.sql(), p.videos(), p.events(Role.UPLOAD), new RacingClock(clock, onRead));
    }

    /** What the planner commits for an uploaded video: the job PLANNED, the video processing, its tasks. */
    private void plan() {
        Instant now = clock.instant();
        p.sql().inTransaction(c -> {
            assertTrue(jobs.transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now));
            assertTrue(p.videos().transition(c, video, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned"));
            tasks.insert(c, video, 1, TaskKind.TRANSCODE, "", TaskState.READY, 3, now);
            return tasks.insert(c, video, 1, TaskKind.PUBLISH, "", TaskState.WAITING, 3, now);
        });
    }

    private List<JsonNode> logged(String event) {
        return EventLogs.events(p.settings().logDir(), event, e -> video.equals(e.path("video_id").asText()));
    }

    private JobState job() {
        return jobs.ofVideo(video).get(0).state();
    }

    @Test
    void a_delete_that_finds_the_row_moved_on_leaves_nothing_of_its_stop_behind_and_deletes_the_row_it_reads_next() {
        List<List<Task>> planned = new java.util.ArrayList<>();
        List<List<Task>> seenAtSecondTry = new java.util.ArrayList<>();
        List<JobState> jobAtSecondTry = new java.util.ArrayList<>();
        Optional<Video> before = deletion(attempt -> {
            if (attempt == 1) {
                plan(); // the planner commits between the delete's read (uploaded) and its transaction
                planned.add(tasks.ofGeneration(video, 1));
            } else {
                seenAtSecondTry.add(tasks.ofGeneration(video, 1));
                jobAtSecondTry.add(job());
            }
        }).delete(video);

        assertEquals(1, seenAtSecondTry.size(), "read again once after the row moved on");
        // Before the second try: the first try's stop was rolled back with its failed tombstone.
        assertEquals(JobState.PLANNED, jobAtSecondTry.getFirst(), "the job the planner planned is not failed");
        assertEquals(planned.getFirst(), seenAtSecondTry.getFirst(), "the planned tasks untouched: not cancelled, not fenced");
        // The second try deletes the row as it read it then, and stops the generation the planner planned.
        assertEquals(VideoStatus.PROCESSING, before.orElseThrow().status(), "the row as the delete read it last");
        assertEquals(VideoStatus.DELETED, p.videos().find(video).orElseThrow().status());
        assertEquals(JobState.FAILED, job());
        List<Task> after = tasks.ofGeneration(video, 1);
        assertEquals(2, after.size());
        for (Task t : after) {
            assertEquals(TaskState.FAILED, t.state(), t.toString());
            assertEquals("CANCELLED: video deleted", t.lastError());
        }
        assertEquals(List.of("processing"), logged("VIDEO_DELETED").stream().map(e -> e.path("from").asText()).toList());
        assertEquals(1, logged("STATE_CHANGE").stream().filter(e -> e.path("to").asText().equals("deleted")).count());
    }

    @Test
    void a_delete_whose_row_keeps_changing_gives_up_after_ten_tries_and_leaves_the_row_and_its_job_alone() {
        AtomicInteger tries = new AtomicInteger();
        VideoDeletion deletion = deletion(attempt -> {
            tries.set(attempt);
            // Another writer moves the row on every time, between the delete's read and its transaction.
            VideoStatus from = attempt % 2 == 1 ? VideoStatus.UPLOADED : VideoStatus.PROCESSING;
            VideoStatus to = attempt % 2 == 1 ? VideoStatus.PROCESSING : VideoStatus.UPLOADED;
            boolean moved = p.sql().inTransaction(c -> p.videos().transition(c, video, 1, from, to, "test"));
            assertTrue(moved, "moved " + from + " to " + to);
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> deletion.delete(video));
        assertTrue(e.getMessage().contains("gave up after 10 tries"), e.getMessage());
        assertEquals(10, tries.get(), "ten tries, then the error");
        assertEquals(VideoStatus.UPLOADED, p.videos().find(video).orElseThrow().status(), "not deleted");
        assertEquals(JobState.PENDING, job(), "no try's stop was kept");
        assertEquals(List.of(), logged("VIDEO_DELETED"));
    }

    @Test
    void a_delete_takes_the_job_row_before_any_task_so_a_completion_holding_it_finishes_first() throws Exception {
        plan();
        Task transcode = tasks.claim("worker-1", EnumSet.of(TaskKind.TRANSCODE), clock.instant(), Duration.ofSeconds(30))
                .orElseThrow();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch locked = new CountDownLatch(1);
            CountDownLatch go = new CountDownLatch(1);
            long[] holder = new long[1];
            Instant now = clock.instant();
            CompletableFuture<Integer> completion = CompletableFuture.supplyAsync(() -> p.sql().inTransaction(c -> {
                jobs.lock(c, video, 1); // what TaskOutcomes.complete does first
                holder[0] = LockWaits.session(p, c);
                locked.countDown();
                try {
                    go.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return tasks.markDone(c, Fence.holder(transcode), "{}", now);
            }), threads);
            assertTrue(locked.await(30, TimeUnit.SECONDS));
            CompletableFuture<Optional<Video>> delete = CompletableFuture.supplyAsync(
                    () -> deletion(attempt -> { }).delete(video), threads);
            Await.until(Duration.ofSeconds(20), "the delete waiting for the job row",
                    () -> LockWaits.waitingFor(p, holder[0]) > 0);
            go.countDown();
            // The lock timeout is 10 s: a completion stuck behind the delete's task locks does not finish in 5.
            assertEquals(1, completion.get(5, TimeUnit.SECONDS), "the completion wrote its task while the delete waited");
            assertEquals(VideoStatus.PROCESSING, delete.get(30, TimeUnit.SECONDS).orElseThrow().status(),
                    "then the delete went through");
            assertEquals(TaskState.DONE, tasks.find(transcode.taskId()).orElseThrow().state(), "finished first: kept");
            assertEquals(VideoStatus.DELETED, p.videos().find(video).orElseThrow().status());
        } finally {
            threads.shutdownNow();
        }
    }
}
