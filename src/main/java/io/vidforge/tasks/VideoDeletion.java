package io.vidforge.tasks;

import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;
import io.vidforge.events.Events;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Deletes a video: one transaction stops its current generation ({@link GenerationStop}) and turns the
 * row into a tombstone ({@link VideoRepository#markDeleted}), conditional on the generation and status
 * it read, so it never overlaps a publish, a failure or a re-upload of the same bytes: whichever commits
 * first wins and the other sees the row moved on (this one then reads it again). The bytes go later, by
 * the storage clean-up, once nothing live refers to them.
 */
public final class VideoDeletion {
    private static final int TRIES = 10;

    private final Sql sql;
    private final TaskRepository tasks;
    private final JobRepository jobs;
    private final VideoRepository videos;
    private final Events events;
    private final Clock clock;

    public VideoDeletion(Sql sql, VideoRepository videos, Events events, Clock clock) {
        this.sql = sql;
        this.tasks = new TaskRepository(sql);
        this.jobs = new JobRepository(sql);
        this.videos = videos;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Deletes the video unless it is deleted already. Returns the row as it was before this call deleted
     * it, or empty when it was already deleted (the call is idempotent) or does not exist.
     */
    public Optional<Video> delete(String videoId) {
        for (int i = 0; i < TRIES; i++) {
            Optional<Video> seen = videos.find(videoId);
            if (seen.isEmpty() || seen.get().status() == VideoStatus.DELETED) {
                return Optional.empty();
            }
            Video v = seen.get();
            Instant now = clock.instant();
            boolean deleted = sql.inTransaction(c -> {
                GenerationStop.stop(c, tasks, jobs, videoId, v.generation(), "video deleted", now);
                if (!videos.markDeleted(c, videoId, v.generation(), v.status(), "delete")) {
                    c.rollback(); // the stop belongs to whoever moved the row on
                    return false;
                }
                return true;
            });
            if (deleted) {
                events.event("VIDEO_DELETED").with("video_id", videoId).with("generation", v.generation())
                        .with("from", v.status().id()).with("raw_key", v.rawKey()).emit();
                events.event("STATE_CHANGE").with("video_id", videoId).with("generation", v.generation())
                        .with("from", v.status().id()).with("to", VideoStatus.DELETED.id()).with("reason", "delete").emit();
                return Optional.of(v);
            }
            // The row moved on between the read and the transaction (published, failed, restarted): again.
        }
        throw new IllegalStateException("video " + videoId + " kept changing; the delete gave up after " + TRIES + " tries");
    }
}
