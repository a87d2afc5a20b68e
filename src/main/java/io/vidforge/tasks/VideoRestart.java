package io.vidforge.tasks;

import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;
import io.vidforge.model.Video;
import java.time.Clock;
import java.time.Instant;

/**
 * Starts a video over with new raw bytes, as a new generation: a deleted video whose bytes were uploaded
 * again, or a live one whose raw object is missing from the bucket (a duplicate upload repairs it). The
 * old generation is stopped ({@link GenerationStop}) and the row restarted ({@link VideoRepository#restart})
 * in one transaction, conditional on the generation and status the caller saw.
 */
public final class VideoRestart {
    private final Sql sql;
    private final TaskRepository tasks;
    private final JobRepository jobs;
    private final VideoRepository videos;
    private final Clock clock;

    public VideoRestart(Sql sql, VideoRepository videos, Clock clock) {
        this.sql = sql;
        this.tasks = new TaskRepository(sql);
        this.jobs = new JobRepository(sql);
        this.videos = videos;
        this.clock = clock;
    }

    /** True when this call restarted the video; false when the row had moved on since {@code seen}. */
    public boolean restart(Video seen, Video fresh, String reason) {
        Instant now = clock.instant();
        return sql.inTransaction(c -> {
            GenerationStop.stop(c, tasks, jobs, seen.videoId(), seen.generation(), reason, now);
            if (!videos.restart(c, seen, fresh, reason)) {
                c.rollback(); // nothing of the stop may stay: the generation belongs to whoever moved the row
                return false;
            }
            return true;
        });
    }
}
