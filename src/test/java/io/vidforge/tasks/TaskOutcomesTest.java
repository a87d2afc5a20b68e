package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.events.Events;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.LockWaits;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Instant;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fenced ends of an attempt, one transaction each: what each changes (task, video, job, siblings),
 * what it logs, what it returns, and that a stale claim changes and logs nothing. Driven directly, with a
 * manual clock and a backoff without jitter, so delays and times are exact.
 */
@Tag("db")
class TaskOutcomesTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** Backoff base 2 s, jitter fixed at the middle: attempt 1 waits 1.5 s, attempt 2 3 s. */
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60), () -> 0.5);
    private static final String PROBE_RESULT = "{\"source\":{\"duration_s\":10.0,\"width\":1280,\"height\":720,"
            + "\"video_codec\":\"h264\",\"audio_codec\":\"aac\",\"frame_rate\":30.0,\"audio_channels\":2,"
            + "\"rotation\":0,\"container\":\"mp4\"},\"poster_key\":\"videos/v/poster.jpg\"}";
    private static final String MASTER_FOLDER = "videos/v/g1/publish/a1-v2/";
    private static final String PUBLISH_RESULT = "{\"variants\":[{\"name\":\"720p\",\"width\":1280,\"height\":720,"
            + "\"bandwidth\":3000000,\"average_bandwidth\":2500000,\"codecs\":\"avc1.64001f,mp4a.40.2\",\"frame_rate\":30.0,"
            + "\"segment_count\":5,\"segment_seconds\":2.0,\"prefix\":\"videos/v/g1/transcode/a1-v1/720p/\"}],"
            + "\"master_key\":\"" + MASTER_FOLDER + "master.m3u8\",\"poster_key\":\"videos/v/poster.jpg\"}";

    private final ManualClock clock = ManualClock.startingNow();
    private Platform p;
    private TaskSignals signals;
    private TaskStore store;
    private TaskOutcomes outcomes;
    private Events events;
    private String video;

    @BeforeEach
    void setUp() {
        Map<String, String> env = TestNodes.environment("outcomes");
        p = Platform.open(Settings.of(env).with(Map.of("NODE_ID", "outcomes")), "outcomes", clock);
        signals = TaskSignals.acquire(p);
        store = TaskStore.of(p, signals);
        events = p.events(Role.WORKER);
        outcomes = new TaskOutcomes(store, BACKOFF, events, clock);
        video = TestVideos.insert(p);
        // The job started: PLANNED, the video processing (what JobStarter does).
        Instant now = clock.instant();
        p.sql().inTransaction(c -> {
            store.jobs().transition(c, video, 1, JobState.PENDING, JobState.PLANNED, now);
            return p.videos().transition(c, video, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "planned");
        });
    }

    @AfterEach
    void tearDown() {
        signals.close();
        p.close();
    }

    private Task insert(TaskKind kind, TaskState state, int maxAttempts) {
        Instant now = clock.instant();
        return p.sql().inTransaction(c -> store.tasks().insert(c, video, 1, kind, "", state, maxAttempts, now));
    }

    /** Inserts a task of {@code kind} and claims it (the only READY task). */
    private Task claimed(TaskKind kind, int maxAttempts) {
        insert(kind, TaskState.READY, maxAttempts);
        return store.tasks().claim("worker-1", EnumSet.of(kind), clock.instant(), LEASE).orElseThrow();
    }

    private Task row(Task t) {
        return store.tasks().find(t.taskId()).orElseThrow();
    }

    private Video videoRow() {
        return p.videos().find(video).orElseThrow();
    }

    private JobState job() {
        return store.jobs().ofVideo(video).get(0).state();
    }

    private List<JsonNode> logged(String event) {
        return EventLogs.events(p.settings().logDir(), event, e -> video.equals(e.path("video_id").asText()));
    }

    private List<String> loggedNames() {
        return EventLogs.read(p.settings().logDir()).stream().filter(e -> video.equals(e.path("video_id").asText()))
                .map(e -> e.path("event").asText()).toList();
    }

    @Test
    void a_probe_completes_once_records_the_source_and_logs_task_completed() {
        Task probe = claimed(TaskKind.PROBE, 3);
        assertTrue(outcomes.complete(probe, PROBE_RESULT));
        assertEquals(TaskState.DONE, row(probe).state());
        assertEquals(PROBE_RESULT, row(probe).resultJson());
        assertEquals(720, videoRow().source().height());
        assertEquals(VideoStatus.PROCESSING, videoRow().status(), "a probe publishes nothing");
        assertEquals(JobState.PLANNED, job());
        List<JsonNode> completed = logged("TASK_COMPLETED");
        assertEquals(1, completed.size());
        assertEquals(probe.taskId(), completed.get(0).path("task_id").asLong());
        assertEquals("PROBE", completed.get(0).path("kind").asText());
        assertEquals(1, completed.get(0).path("attempt").asInt());

        assertFalse(outcomes.complete(probe, PROBE_RESULT), "the same claim completes once");
        assertEquals(1, logged("TASK_COMPLETED").size(), "and is logged once");
        assertEquals(List.of(), logged("STATE_CHANGE"));
    }

    @Test
    void the_publish_completion_makes_the_video_ready_and_the_job_done_once() {
        Task publish = claimed(TaskKind.PUBLISH, 3);
        assertTrue(outcomes.complete(publish, PUBLISH_RESULT));
        Video v = videoRow();
        assertEquals(VideoStatus.READY, v.status());
        assertEquals("720p", v.variants().get(0).name());
        assertEquals(MASTER_FOLDER, p.sql().queryOne("SELECT published_prefix FROM videos WHERE video_id = ?",
                rs -> rs.getString(1), video).orElseThrow(), "published at the master playlist's folder");
        assertEquals(JobState.DONE, job());
        List<JsonNode> ready = logged("STATE_CHANGE");
        assertEquals(1, ready.size());
        assertEquals("processing", ready.get(0).path("from").asText());
        assertEquals("ready", ready.get(0).path("to").asText());
        assertEquals(publish.taskId(), ready.get(0).path("task_id").asLong());
        // A plan without chunks is playable when it is published: PLAYABLE (not early), then ready.
        assertEquals(List.of("TASK_COMPLETED", "PLAYABLE", "STATE_CHANGE"), loggedNames(), "the task, then the video");
        assertFalse(logged("PLAYABLE").get(0).path("early").asBoolean());
        assertTrue(v.playable() && v.playableAt() != null, "playable_at set by the publish");

        assertFalse(outcomes.complete(publish, PUBLISH_RESULT));
        assertEquals(1, logged("STATE_CHANGE").size(), "ready exactly once");
        assertEquals(1, logged("PLAYABLE").size(), "playable exactly once");
    }

    @Test
    void a_publish_of_a_video_that_is_no_longer_processing_completes_the_task_but_publishes_nothing() {
        Task publish = claimed(TaskKind.PUBLISH, 3);
        p.sql().inTransaction(c -> p.videos().fail(c, video, 1, "TEST", "failed meanwhile"));
        assertTrue(outcomes.complete(publish, PUBLISH_RESULT), "the claim was valid");
        assertEquals(VideoStatus.FAILED, videoRow().status());
        assertEquals(JobState.PLANNED, job(), "no job transition without a publish");
        assertEquals(List.of("TASK_COMPLETED"), loggedNames(), "no STATE_CHANGE to ready");
    }

    @Test
    void an_incomplete_probe_or_publish_result_is_refused_before_anything_changes() {
        Task probe = claimed(TaskKind.PROBE, 3);
        assertThrows(IllegalArgumentException.class, () -> outcomes.complete(probe, "{\"poster_key\":\"x\"}"));
        assertEquals(TaskState.RUNNING, row(probe).state());
        assertNull(videoRow().source());
        assertTrue(outcomes.complete(probe, PROBE_RESULT));
        Task publish = claimed(TaskKind.PUBLISH, 3);
        assertThrows(IllegalArgumentException.class, () -> outcomes.complete(publish, "{\"master_key\":\"m\"}"));
        assertEquals(TaskState.RUNNING, row(publish).state());
        assertEquals(VideoStatus.PROCESSING, videoRow().status());
        // Other kinds' results are the handler's business (a TRANSCODE result is read by the publish).
        Task transcode = claimed(TaskKind.TRANSCODE, 3);
        assertTrue(outcomes.complete(transcode, "{}"));
    }

    /**
     * Completion, failure and the planner's failGeneration of one generation queue on its job row (locked
     * first by every transaction that changes more than one row of the generation, so they never deadlock
     * over tasks and videos): while another transaction holds the job row none of them changes anything;
     * once it commits, all three go through, one after the other.
     */
    @Test
    void completion_and_failure_wait_for_the_job_row_of_their_generation() throws Exception {
        Task probe = claimed(TaskKind.PROBE, 3);
        Task other = claimed(TaskKind.TRANSCODE, 3);
        // Threads of its own: the common pool may have a single thread on a small machine, and the holder
        // blocking it would hold the others back whether or not they take the job lock.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            lockOrder(probe, other, threads);
        } finally {
            threads.shutdownNow();
        }
    }

    private void lockOrder(Task probe, Task other, java.util.concurrent.Executor threads) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> holder = CompletableFuture.supplyAsync(() -> p.sql().inTransaction(c -> {
            store.jobs().lock(c, video, 1);
            locked.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }), threads);
        assertTrue(locked.await(30, TimeUnit.SECONDS));
        CompletableFuture<Boolean> completion = CompletableFuture.supplyAsync(() -> outcomes.complete(probe, PROBE_RESULT), threads);
        CompletableFuture<Boolean> failure = CompletableFuture.supplyAsync(
                () -> outcomes.fail(other, Fence.holder(other), "INVALID_MEDIA", "not media"), threads);
        CompletableFuture<Boolean> planner = CompletableFuture.supplyAsync(
                () -> outcomes.failGeneration(video, 1, "INVALID_MEDIA", "no picture"), threads);
        // A bounded wait for something that must NOT happen: each of them, unblocked, takes milliseconds
        // (a few hundred under heavy load); the lock timeout (10 s) is longer than this wait.
        CompletableFuture<Object> any = CompletableFuture.anyOf(completion, failure, planner);
        assertThrows(TimeoutException.class, () -> any.get(3, TimeUnit.SECONDS), "all three wait for the job row");
        assertEquals(TaskState.RUNNING, row(probe).state());
        assertEquals(TaskState.RUNNING, row(other).state());
        assertEquals(VideoStatus.PROCESSING, videoRow().status());
        release.countDown();
        holder.get(30, TimeUnit.SECONDS);
        boolean completed = completion.get(30, TimeUnit.SECONDS);
        boolean failed = failure.get(30, TimeUnit.SECONDS);
        boolean plannerFailed = planner.get(30, TimeUnit.SECONDS);
        assertTrue(failed || plannerFailed, "the generation failed once");
        assertFalse(failed && plannerFailed, "and only once");
        assertEquals(VideoStatus.FAILED, videoRow().status());
        assertEquals(JobState.FAILED, job());
        // Whichever ran first decides the probe: done, or cancelled with its generation.
        assertEquals(completed ? TaskState.DONE : TaskState.FAILED, row(probe).state());
    }

    /**
     * The other half of the lock order: the planner failing a generation takes the job row before it
     * cancels any task. Otherwise it could hold a task row while waiting for the job row that a completion
     * holds, and the completion, going on to that task row, would wait for it: a deadlock, ended only by
     * the lock timeout failing one of them. Here a completion holds the job row, the planner's failure
     * is seen waiting for it, and the completion must then write its task at once.
     */
    @Test
    void failing_a_generation_takes_the_job_row_before_any_task_so_a_completion_holding_it_finishes() throws Exception {
        Task probe = claimed(TaskKind.PROBE, 3);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            CountDownLatch locked = new CountDownLatch(1);
            CountDownLatch go = new CountDownLatch(1);
            long[] holderSession = new long[1];
            Instant now = clock.instant();
            CompletableFuture<Integer> completion = CompletableFuture.supplyAsync(() -> p.sql().inTransaction(c -> {
                store.jobs().lock(c, video, 1); // what complete() does first
                holderSession[0] = LockWaits.session(p, c);
                locked.countDown();
                try {
                    go.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return store.tasks().markDone(c, Fence.holder(probe), PROBE_RESULT, now);
            }), threads);
            assertTrue(locked.await(30, TimeUnit.SECONDS));
            CompletableFuture<Boolean> planner = CompletableFuture.supplyAsync(
                    () -> outcomes.failGeneration(video, 1, "INVALID_MEDIA", "no picture"), threads);
            io.vidforge.testing.Await.until(Duration.ofSeconds(20), "the planner's failure waiting for the job row",
                    () -> LockWaits.waitingFor(p, holderSession[0]) > 0);
            go.countDown();
            // The lock timeout is 10 s: a completion stuck behind the planner's task lock does not finish in 5.
            assertEquals(1, completion.get(5, TimeUnit.SECONDS), "the completion wrote its task while the planner waited");
            assertTrue(planner.get(30, TimeUnit.SECONDS), "then the planner failed the generation");
            assertEquals(TaskState.DONE, row(probe).state(), "finished before the failure: kept");
            assertEquals(VideoStatus.FAILED, videoRow().status());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void a_failed_task_fails_the_job_the_video_and_cancels_every_unfinished_sibling() {
        Task done = claimed(TaskKind.PROBE, 3);
        assertTrue(outcomes.complete(done, PROBE_RESULT));
        Task failing = claimed(TaskKind.TRANSCODE, 3);
        Task waiting = insert(TaskKind.PUBLISH, TaskState.WAITING, 3);

        assertTrue(outcomes.fail(failing, Fence.holder(failing), "INVALID_MEDIA", "no video stream"));
        assertEquals(TaskState.FAILED, row(failing).state());
        assertEquals("INVALID_MEDIA: no video stream", row(failing).lastError());
        assertEquals(TaskState.FAILED, row(waiting).state(), "the sibling is cancelled");
        assertEquals("CANCELLED: task " + failing.taskId() + " failed (INVALID_MEDIA)", row(waiting).lastError());
        assertEquals(TaskState.DONE, row(done).state(), "a finished sibling keeps its result");
        assertEquals(JobState.FAILED, job());
        Video v = videoRow();
        assertEquals(VideoStatus.FAILED, v.status());
        assertEquals("INVALID_MEDIA", v.errorCode());
        assertEquals("no video stream", v.errorMessage());
        JsonNode taskFailed = logged("TASK_FAILED").get(0);
        assertEquals("INVALID_MEDIA", taskFailed.path("code").asText());
        assertEquals("no video stream", taskFailed.path("reason").asText());
        assertEquals(failing.taskId(), taskFailed.path("task_id").asLong());
        JsonNode change = logged("STATE_CHANGE").get(0);
        assertEquals("failed", change.path("to").asText());
        assertEquals("INVALID_MEDIA", change.path("code").asText());
        assertEquals(List.of("TASK_COMPLETED", "TASK_FAILED", "STATE_CHANGE"), loggedNames());

        assertFalse(outcomes.fail(failing, Fence.holder(failing), "INVALID_MEDIA", "again"), "a claim fails once");
        assertEquals(List.of("TASK_COMPLETED", "TASK_FAILED", "STATE_CHANGE"), loggedNames(), "nothing more logged");
    }

    @Test
    void a_retry_requeues_after_the_backoff_counts_the_attempt_and_logs_its_cause_first() {
        Task t = claimed(TaskKind.TRANSCODE, 3);
        Events.Event cause = events.event("LEASE_EXPIRED").with("video_id", video).with("task_id", t.taskId());
        assertTrue(outcomes.retry(t, Fence.holder(t), "ERROR: boom", cause));
        Task requeued = row(t);
        assertEquals(TaskState.READY, requeued.state());
        assertEquals(clock.instant().plusMillis(1500), requeued.nextRunAt(), "attempt 1 waits base/2 + half the jitter range");
        assertEquals(1, requeued.attempt(), "the attempt counts");
        assertEquals("ERROR: boom", requeued.lastError());
        assertNull(requeued.owner());
        JsonNode retry = logged("TASK_RETRY").get(0);
        assertEquals("ERROR: boom", retry.path("reason").asText());
        assertEquals(1500, retry.path("delay_ms").asLong());
        assertEquals(2, retry.path("next_attempt").asInt());
        assertTrue(retry.path("counted").asBoolean());
        assertEquals(List.of("LEASE_EXPIRED", "TASK_RETRY"), loggedNames(), "the cause before the effect");

        Events.Event staleCause = events.event("TASK_STUCK").with("video_id", video);
        assertFalse(outcomes.retry(t, Fence.holder(t), "ERROR: again", staleCause), "a stale claim");
        assertEquals(List.of("LEASE_EXPIRED", "TASK_RETRY"), loggedNames(), "no cause logged for a retry that did not apply");

        clock.advance(Duration.ofMillis(1500));
        Task second = store.tasks().claim("worker-2", EnumSet.of(TaskKind.TRANSCODE), clock.instant(), LEASE).orElseThrow();
        assertEquals(2, second.attempt());
        assertTrue(outcomes.retry(second, Fence.holder(second), "ERROR: boom 2"));
        assertEquals(clock.instant().plusMillis(3000), row(second).nextRunAt(), "attempt 2 waits twice as long");
        assertEquals(3, logged("TASK_RETRY").get(1).path("next_attempt").asInt());
    }

    @Test
    void an_uncounted_retry_gives_the_attempt_back_and_waits_the_first_backoff_step_even_on_the_last_attempt() {
        Task t = claimed(TaskKind.TRANSCODE, 1);
        assertEquals(1, t.attempt());
        assertTrue(outcomes.retryUncounted(t, Fence.holder(t), "STORAGE_UNAVAILABLE: s3 down"));
        Task requeued = row(t);
        assertEquals(TaskState.READY, requeued.state(), "the last attempt is not used up by an outage");
        assertEquals(0, requeued.attempt(), "the attempt is given back");
        assertEquals(clock.instant().plusMillis(1500), requeued.nextRunAt());
        JsonNode retry = logged("TASK_RETRY").get(0);
        assertFalse(retry.path("counted").asBoolean());
        assertEquals(1, retry.path("next_attempt").asInt(), "the next claim is attempt 1 again");
        assertEquals(VideoStatus.PROCESSING, videoRow().status());
        assertFalse(outcomes.retryUncounted(t, Fence.holder(t), "STORAGE_UNAVAILABLE: again"), "a stale claim");
        assertEquals(1, logged("TASK_RETRY").size());
    }

    @Test
    void the_last_counted_attempt_fails_the_video_with_the_exhausted_code_and_the_last_error() {
        Task t = claimed(TaskKind.TRANSCODE, 1);
        Events.Event cause = events.event("TASK_STUCK").with("video_id", video).with("task_id", t.taskId());
        assertTrue(outcomes.retry(t, Fence.holder(t), "STALLED: no progress", cause));
        assertEquals(TaskState.FAILED, row(t).state(), "no attempts left: failed, not requeued");
        Video v = videoRow();
        assertEquals(VideoStatus.FAILED, v.status());
        assertEquals(TaskOutcomes.RETRIES_EXHAUSTED, v.errorCode());
        assertEquals("TRANSCODE failed 1 times; last error: STALLED: no progress", v.errorMessage());
        assertEquals(List.of("TASK_STUCK", "TASK_FAILED", "STATE_CHANGE"), loggedNames(), "cause first, no TASK_RETRY");
        assertFalse(outcomes.retry(t, Fence.holder(t), "STALLED: again"), "a stale claim");
    }

    @Test
    void an_exhausted_retry_with_its_own_code_fails_the_video_with_that_code() {
        Task t = claimed(TaskKind.TRANSCODE, 1);
        assertTrue(outcomes.retry(t, Fence.holder(t), "WORK_DIR_LIMIT: 30 GB > 20 GB", "WORK_DIR_LIMIT"));
        assertEquals("WORK_DIR_LIMIT", videoRow().errorCode());
        assertEquals("WORK_DIR_LIMIT", logged("TASK_FAILED").get(0).path("code").asText());
        assertFalse(outcomes.retry(t, Fence.holder(t), "again", "WORK_DIR_LIMIT"));
    }

    @Test
    void a_retry_with_attempts_left_keeps_the_video_processing_even_with_its_own_exhausted_code() {
        Task t = claimed(TaskKind.TRANSCODE, 2);
        assertTrue(outcomes.retry(t, Fence.holder(t), "WORK_DIR_LIMIT: over", "WORK_DIR_LIMIT"));
        assertEquals(TaskState.READY, row(t).state());
        assertEquals(VideoStatus.PROCESSING, videoRow().status());
    }

    @Test
    void failing_a_generation_without_a_task_to_blame_happens_once() {
        Task waiting = insert(TaskKind.TRANSCODE, TaskState.READY, 3);
        assertTrue(outcomes.failGeneration(video, 1, "INVALID_MEDIA", "no picture"));
        assertEquals(VideoStatus.FAILED, videoRow().status());
        assertEquals("INVALID_MEDIA", videoRow().errorCode());
        assertEquals(JobState.FAILED, job());
        assertEquals(TaskState.FAILED, row(waiting).state());
        assertEquals("CANCELLED: planner failed (INVALID_MEDIA)", row(waiting).lastError());
        JsonNode change = logged("STATE_CHANGE").get(0);
        assertEquals("processing", change.path("from").asText());
        assertEquals("failed", change.path("to").asText());
        assertEquals("INVALID_MEDIA", change.path("code").asText());
        assertEquals(1, change.path("generation").asInt());

        assertFalse(outcomes.failGeneration(video, 1, "INVALID_MEDIA", "again"), "already failed");
        assertEquals(1, logged("STATE_CHANGE").size());
    }

    @Test
    void the_published_prefix_is_the_folder_of_the_master_playlist() {
        assertEquals("videos/v/g1/publish/a1-v2/", TaskOutcomes.prefixOf("videos/v/g1/publish/a1-v2/master.m3u8"));
        assertEquals("/", TaskOutcomes.prefixOf("/master.m3u8"));
        assertEquals("", TaskOutcomes.prefixOf("master.m3u8"));
        assertNull(TaskOutcomes.prefixOf(null));
    }
}
