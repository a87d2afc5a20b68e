package io.vidforge.tasks;

import io.vidforge.events.Events;
import io.vidforge.json.Json;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.TaskSignals.Channel;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The fenced ends of an attempt: completion, retry and failure. Each is one transaction that first
 * changes the task row under its {@link Fence} and goes on only if exactly that one row changed; the
 * video and job follow in the same transaction. So whatever a stale worker (or a second watchdog) does,
 * a claim ends at most once, and a video is published or failed at most once per generation.
 * Returns false, changing nothing, when the fence no longer holds; the caller decides what to log.
 */
public final class TaskOutcomes {
    /** The video's error code when retries of a task are exhausted (permanent errors bring their own). */
    public static final String RETRIES_EXHAUSTED = "TRANSCODE_FAILED";

    private final TaskStore store;
    private final Backoff backoff;
    private final Events events;
    private final Clock clock;

    public TaskOutcomes(TaskStore store, Backoff backoff, Events events, Clock clock) {
        this.store = store;
        this.backoff = backoff;
        this.events = events;
        this.clock = clock;
    }

    /** Commits a handler's result; PROBE records the source, PUBLISH publishes the video (once). */
    public boolean complete(Task t, String resultJson) {
        ProbeResult probe = t.kind() == TaskKind.PROBE ? Json.read(resultJson, ProbeResult.class) : null;
        PublishResult publish = t.kind() == TaskKind.PUBLISH ? Json.read(resultJson, PublishResult.class) : null;
        if (probe != null && probe.source() == null || publish != null && publish.variants() == null) {
            throw new IllegalArgumentException(t.kind() + " handler returned an incomplete result: " + resultJson);
        }
        Instant now = clock.instant();
        boolean[] published = {false};
        Long[] playableAfter = {null};
        boolean done = store.signals().transaction(store.sql(), Channel.ORCHESTRATE, c -> {
            store.jobs().lock(c, t.videoId(), t.generation());
            if (store.tasks().markDone(c, Fence.holder(t), resultJson, now) != 1) {
                return false;
            }
            if (probe != null) {
                store.videos().setSource(c, t.videoId(), t.generation(), probe.source());
            } else if (t.kind() == TaskKind.AUDIO || t.kind() == TaskKind.VIDEO_CHUNK) {
                // Under the job's lock, so of the audio and the first chunk the one accepted last sees both.
                if (PlayableStart.reached(store.tasks().encodesOf(c, t.videoId(), t.generation()))) {
                    playableAfter[0] = store.videos().markPlayable(c, t.videoId(), t.generation()).orElse(null);
                }
            } else if (publish != null) {
                // A plan without chunks becomes playable when it is published.
                playableAfter[0] = store.videos().markPlayable(c, t.videoId(), t.generation()).orElse(null);
                published[0] = store.videos().publish(c, t.videoId(), t.generation(), publish.variants(),
                        prefixOf(publish.masterKey()), publish.posterKey());
                if (published[0]) {
                    store.jobs().transition(c, t.videoId(), t.generation(), JobState.PLANNED, JobState.DONE, now);
                }
            }
            return true;
        });
        if (done) {
            TaskEvents.of(events, "TASK_COMPLETED", t).emit();
        }
        if (playableAfter[0] != null) {
            events.event("PLAYABLE").with("video_id", t.videoId()).with("generation", t.generation())
                    .with("task_id", t.taskId()).with("delay_ms", playableAfter[0])
                    .with("early", publish == null).emit();
        }
        if (published[0]) {
            stateChange(t, VideoStatus.PROCESSING, VideoStatus.READY, null);
        }
        return done;
    }

    /** A retryable failure: back to READY after a backoff, or FAILED once the attempts are used up. */
    public boolean retry(Task t, Fence fence, String reason) {
        return retry(t, fence, reason, RETRIES_EXHAUSTED, null, true);
    }

    /**
     * As {@link #retry(Task, Fence, String)}; {@code cause} (an event not yet emitted, e.g. LEASE_EXPIRED)
     * is emitted first when the retry applies, so the log reads cause before effect and never shows a
     * cause for a retry that a fresher claim prevented.
     */
    public boolean retry(Task t, Fence fence, String reason, Events.Event cause) {
        return retry(t, fence, reason, RETRIES_EXHAUSTED, cause, true);
    }

    /**
     * As {@link #retry(Task, Fence, String)}, but when the attempts are used up the video fails with
     * {@code exhaustedCode} rather than {@link #RETRIES_EXHAUSTED}: a cause the operator must act on
     * (WORK_DIR_LIMIT: the source does not fit the workers' scratch space) keeps its own name.
     */
    public boolean retry(Task t, Fence fence, String reason, String exhaustedCode) {
        return retry(t, fence, reason, exhaustedCode, null, true);
    }

    /**
     * A retry that does not use up an attempt: the attempt ended because something outside the task
     * failed (the object store was unreachable), so no number of such failures says anything about the
     * task. It goes back to READY after the first backoff step, with its attempt count as before the
     * claim. What keeps an outage from spinning through the queue is the worker, which claims nothing
     * until it can reach the store again ({@code WORKER_PAUSED}).
     */
    public boolean retryUncounted(Task t, Fence fence, String reason) {
        return retry(t, fence, reason, RETRIES_EXHAUSTED, null, false);
    }

    private boolean retry(Task t, Fence fence, String reason, String exhaustedCode, Events.Event cause,
                          boolean counted) {
        if (counted && t.attempt() >= t.maxAttempts()) {
            return fail(t, fence, exhaustedCode, t.kind() + (t.variant().isEmpty() ? "" : " " + t.variant())
                    + " failed " + t.attempt() + " times; last error: " + reason, cause);
        }
        Duration delay = backoff.delay(counted ? t.attempt() : 1);
        Instant now = clock.instant();
        int n = store.sql().inTransaction(c -> store.tasks().requeue(c, fence, now.plus(delay), reason, now,
                counted));
        if (n == 1) {
            emit(cause);
            TaskEvents.of(events, "TASK_RETRY", t).with("reason", reason).with("delay_ms", delay.toMillis())
                    .with("next_attempt", counted ? t.attempt() + 1 : t.attempt()).with("counted", counted).emit();
        }
        return n == 1;
    }

    /** Fails the task and with it the generation: the job, the video, and every unfinished sibling task. */
    public boolean fail(Task t, Fence fence, String code, String message) {
        return fail(t, fence, code, message, null);
    }

    private boolean fail(Task t, Fence fence, String code, String message, Events.Event cause) {
        Instant now = clock.instant();
        boolean[] videoFailed = {false};
        boolean failed = store.signals().transaction(store.sql(), Channel.ORCHESTRATE, c -> {
            store.jobs().lock(c, t.videoId(), t.generation());
            if (store.tasks().markFailed(c, fence, code + ": " + message, now) != 1) {
                return false;
            }
            videoFailed[0] = failGeneration(c, t.videoId(), t.generation(), code, message, "task " + t.taskId(), now);
            return true;
        });
        if (failed) {
            emit(cause);
            TaskEvents.of(events, "TASK_FAILED", t).with("code", code).with("reason", message).emit();
        }
        if (videoFailed[0]) {
            stateChange(t, VideoStatus.PROCESSING, VideoStatus.FAILED, code);
        }
        return failed;
    }

    /** Fails a generation that has no running task to blame (for example an unusable probe result). */
    public boolean failGeneration(String videoId, int generation, String code, String message) {
        Instant now = clock.instant();
        boolean failed = store.signals().transaction(store.sql(), Channel.ORCHESTRATE, c -> {
            store.jobs().lock(c, videoId, generation);
            return failGeneration(c, videoId, generation, code, message, "planner", now);
        });
        if (failed) {
            events.event("STATE_CHANGE").with("video_id", videoId).with("generation", generation)
                    .with("from", VideoStatus.PROCESSING.id()).with("to", VideoStatus.FAILED.id()).with("code", code).emit();
        }
        return failed;
    }

    private boolean failGeneration(Connection c, String videoId, int generation, String code, String message,
                                   String cause, Instant now) throws SQLException {
        store.tasks().cancelGeneration(c, videoId, generation, "CANCELLED: " + cause + " failed (" + code + ")", now);
        store.jobs().fail(c, videoId, generation, now);
        return store.videos().fail(c, videoId, generation, code, message);
    }

    private static void emit(Events.Event event) {
        if (event != null) {
            event.emit();
        }
    }

    private void stateChange(Task t, VideoStatus from, VideoStatus to, String code) {
        events.event("STATE_CHANGE").with("video_id", t.videoId()).with("generation", t.generation())
                .with("from", from.id()).with("to", to.id()).with("task_id", t.taskId()).with("code", code).emit();
    }

    /** The folder of the master playlist: what the video's published prefix points at. */
    static String prefixOf(String masterKey) {
        if (masterKey == null) {
            return null;
        }
        int slash = masterKey.lastIndexOf('/');
        return slash < 0 ? "" : masterKey.substring(0, slash + 1);
    }
}
