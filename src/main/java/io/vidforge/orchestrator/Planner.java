package io.vidforge.orchestrator;

import io.vidforge.events.Events;
import io.vidforge.json.Json;
import io.vidforge.media.Ladder;
import io.vidforge.media.Rung;
import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.JobRepository.Job;
import io.vidforge.tasks.JobState;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskEvents;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskSignals.Channel;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TaskStore;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.model.Variant;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Grows the plans of PLANNED jobs, one step per pass and idempotently: every step re-reads the database
 * and inserts what is missing, each row in its own transaction with the unique key as referee, so a
 * crash between steps or a second leader only repeats steps that change nothing. A plan is PROBE, then
 * the TRANSCODE tasks and a WAITING PUBLISH, which becomes READY when every TRANSCODE is DONE. With the
 * {@link TranscodeSplit#LADDER ladder} split (the default) there is one TRANSCODE for the whole ladder
 * (variant ""); with the {@link TranscodeSplit#RUNG rung} split one per rung planned for the probed source,
 * plus one for the audio rendition (variant "audio") when the source has audio; with the
 * {@link TranscodeSplit#CHUNK chunk} split one AUDIO task (when the source has audio) and one VIDEO_CHUNK per
 * {@link ChunkRange} of {@code CHUNK_SECONDS}, each logged with its range. PUBLISH becomes READY when every
 * encode task is DONE. PUBLISH is inserted last: its presence means the fan-out is complete.
 */
final class Planner {
    private static final Logger LOG = Logger.getLogger(Planner.class.getName());
    private static final int BATCH = 100;

    private final TaskStore store;
    private final TaskOutcomes outcomes;
    private final Ladder ladder;
    private final TranscodeSplit split;
    private final int chunkSeconds;
    private final int maxAttempts;
    private final Events events;
    private final Clock clock;

    Planner(TaskStore store, TaskOutcomes outcomes, Ladder ladder, TranscodeSplit split, int maxAttempts, Events events,
            Clock clock) {
        this(store, outcomes, ladder, split, ChunkRange.defaultSeconds(ladder.segmentSeconds()), maxAttempts, events,
                clock);
    }

    /**
     * @param chunkSeconds {@code CHUNK_SECONDS}, 0 for the default
     * @throws IllegalArgumentException when {@code chunkSeconds} is not a multiple of the segment duration
     */
    Planner(TaskStore store, TaskOutcomes outcomes, Ladder ladder, TranscodeSplit split, int chunkSeconds,
            int maxAttempts, Events events, Clock clock) {
        this.store = store;
        this.outcomes = outcomes;
        this.ladder = ladder;
        this.split = split;
        this.chunkSeconds = chunkSeconds == 0 ? ChunkRange.defaultSeconds(ladder.segmentSeconds())
                : ChunkRange.validSeconds(chunkSeconds, ladder.segmentSeconds());
        this.maxAttempts = maxAttempts;
        this.events = events;
        this.clock = clock;
    }

    /** PLANNED jobs: adds the next tasks of each plan whose prerequisites are DONE. */
    int advancePlanned() {
        Map<String, List<Task>> plans = store.tasks().ofPlannedJobs().stream()
                .collect(Collectors.groupingBy(t -> t.videoId() + "/" + t.generation()));
        int changed = 0;
        for (Job job : store.jobs().inState(JobState.PLANNED, BATCH)) {
            try {
                changed += advance(job, plans.getOrDefault(job.videoId() + "/" + job.generation(), List.of()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not advance job " + job, e);
            }
        }
        return changed;
    }

    private int advance(Job job, List<Task> plan) {
        Optional<Task> probe = find(plan, TaskKind.PROBE);
        if (probe.isEmpty()) {
            return insert(job, TaskKind.PROBE, "", TaskState.READY);
        }
        if (probe.get().state() != TaskState.DONE) {
            return 0;
        }
        Optional<Task> publish = find(plan, TaskKind.PUBLISH);
        if (publish.isEmpty()) {
            return fanOut(job, probe.get(), plan);
        }
        boolean transcoded = plan.stream().filter(t -> t.kind().encodes())
                .allMatch(t -> t.state() == TaskState.DONE);
        if (publish.get().state() == TaskState.WAITING && transcoded) {
            Instant now = clock.instant();
            int n = store.signals().transaction(store.sql(), Channel.TASKS_READY,
                    c -> store.tasks().promote(c, publish.get(), now));
            if (n == 1) {
                TaskEvents.of(events, "TASK_READY", publish.get()).emit();
            }
            return n;
        }
        return 0;
    }

    private int fanOut(Job job, Task probe, List<Task> plan) {
        ProbeResult result = probe.resultJson() == null ? null : Json.read(probe.resultJson(), ProbeResult.class);
        if (result == null || result.source() == null || result.source().height() <= 0) {
            outcomes.failGeneration(job.videoId(), job.generation(), "INVALID_MEDIA",
                    "The probe found no video stream with a usable picture size.");
            return 1;
        }
        // A fan-out that a crashed leader began goes on as it began, whatever this leader's setting, so that
        // no rung is ever planned both inside a whole-ladder task and as a task of its own.
        TranscodeSplit chosen = plan.stream().filter(t -> t.kind().encodes()).findFirst().map(TranscodeSplit::of)
                .orElse(split);
        int created = 0;
        if (chosen == TranscodeSplit.LADDER) {
            created += insert(job, TaskKind.TRANSCODE, TranscodeSplit.WHOLE_LADDER, TaskState.READY);
        } else if (chosen == TranscodeSplit.CHUNK) {
            created += chunks(job, result, plan);
        } else {
            for (Rung rung : ladder.rungsFor(result.source())) {
                created += insert(job, TaskKind.TRANSCODE, rung.name(), TaskState.READY);
            }
            if (result.source().hasAudio()) {
                // The audio rendition every rung shares, encoded once by a task of its own.
                created += insert(job, TaskKind.TRANSCODE, Variant.AUDIO, TaskState.READY);
            }
        }
        return created + insert(job, TaskKind.PUBLISH, "", TaskState.WAITING);
    }

    /**
     * The audio task and the chunks of the chunked plan. A fan-out a crashed leader began keeps the chunk
     * length it began with (read from its first chunk), so no two chunks ever overlap whatever this leader's
     * {@code CHUNK_SECONDS}.
     */
    private int chunks(Job job, ProbeResult result, List<Task> plan) {
        int created = 0;
        if (result.source().hasAudio()) {
            created += insert(job, TaskKind.AUDIO, Variant.AUDIO, TaskState.READY);
        }
        int seconds = plan.stream().filter(t -> t.kind() == TaskKind.VIDEO_CHUNK).map(t -> ChunkRange.parse(t.variant()))
                .filter(r -> r.index() == 0).findFirst()
                .map(r -> r.last() ? Integer.MAX_VALUE - Integer.MAX_VALUE % ladder.segmentSeconds() : r.endS())
                .orElse(chunkSeconds);
        double duration = result.source().durationS();
        for (ChunkRange r : ChunkRange.plan(duration, seconds, ladder.segmentSeconds())) {
            created += insert(job, TaskKind.VIDEO_CHUNK, r.variant(), TaskState.READY, e -> e
                    .with("chunk", r.index()).with("range_start_s", r.startS())
                    .with("range_end_s", r.last() ? duration : r.endS()));
        }
        return created;
    }

    private int insert(Job job, TaskKind kind, String variant, TaskState state) {
        return insert(job, kind, variant, state, e -> e);
    }

    /** Inserts one task in its own transaction; 0 when the plan already has it (unique key). */
    private int insert(Job job, TaskKind kind, String variant, TaskState state, UnaryOperator<Events.Event> details) {
        Instant now = clock.instant();
        try {
            Task t = store.signals().transaction(store.sql(), Channel.TASKS_READY, c -> store.tasks().insert(c,
                    job.videoId(), job.generation(), kind, variant, state, maxAttempts, now));
            details.apply(TaskEvents.of(events, "TASK_CREATED", t).with("state", state.name())).emit();
            return 1;
        } catch (io.vidforge.db.DataAccessException e) {
            if (e.isUniqueViolation()) {
                return 0;
            }
            throw e;
        }
    }

    private static Optional<Task> find(List<Task> plan, TaskKind kind) {
        return plan.stream().filter(t -> t.kind() == kind).findFirst();
    }
}
