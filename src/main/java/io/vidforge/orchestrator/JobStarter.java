package io.vidforge.orchestrator;

import io.vidforge.events.Events;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.JobRepository.Job;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.TaskSignals.Channel;
import io.vidforge.tasks.TaskStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts PENDING jobs: the job goes PENDING → PLANNED and the video uploaded → processing in one
 * transaction, conditional on both, so two leaders cannot start one job twice. Only the video's current
 * generation is started; {@code requeue()} refuses uploaded and processing videos, so a video never has
 * two live jobs. The plan's tasks are added by {@link Planner}.
 */
final class JobStarter {
    private static final Logger LOG = Logger.getLogger(JobStarter.class.getName());
    private static final int BATCH = 100;

    private final TaskStore store;
    private final Events events;
    private final Clock clock;

    JobStarter(TaskStore store, Events events, Clock clock) {
        this.store = store;
        this.events = events;
        this.clock = clock;
    }

    int startPending() {
        int started = 0;
        for (Job job : store.jobs().inState(JobState.PENDING, BATCH)) {
            try {
                started += start(job) ? 1 : 0;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not start job " + job, e);
            }
        }
        return started;
    }

    /**
     * Starts one listed job; false when it was not started (not current: failed instead; or started by
     * another leader since the listing). Package-private so a test can hand it a listing gone stale.
     */
    boolean start(Job job) {
        Optional<Video> v = store.videos().find(job.videoId());
        boolean current = v.isPresent() && v.get().generation() == job.generation()
                && (v.get().status() == VideoStatus.UPLOADED || v.get().status() == VideoStatus.PROCESSING);
        Instant now = clock.instant();
        boolean[] moved = {false};
        boolean started = store.signals().transaction(store.sql(), Channel.ORCHESTRATE, c -> {
            if (!current) {
                store.jobs().fail(c, job.videoId(), job.generation(), now);
                return false;
            }
            // Job row first: every multi-row transaction of a generation locks it first (no deadlocks).
            if (!store.jobs().transition(c, job.videoId(), job.generation(), JobState.PENDING, JobState.PLANNED, now)) {
                return false;
            }
            moved[0] = store.videos().transition(c, job.videoId(), job.generation(), VideoStatus.UPLOADED,
                    VideoStatus.PROCESSING, "planned");
            return true;
        });
        if (!current) {
            LOG.info("job " + job + " is not its video's current generation; marked FAILED");
        }
        if (moved[0]) {
            events.event("STATE_CHANGE").with("video_id", job.videoId()).with("generation", job.generation())
                    .with("from", VideoStatus.UPLOADED.id()).with("to", VideoStatus.PROCESSING.id()).emit();
        }
        return started;
    }
}
