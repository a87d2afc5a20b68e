package io.vidforge.orchestrator;

import io.vidforge.events.Events;
import io.vidforge.json.Json;
import io.vidforge.media.Ladder;
import io.vidforge.media.Rung;
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
 * plus one for the audio rendition (variant "audio") when the source has audio.
 * PUBLISH is inserted last: its presence means the fan-out is complete.
 */
final class Planner {
    private static final Logger LOG = Logger.getLogger(Planner.class.getName());
    private static final int BATCH = 100;

    private final TaskStore store;
    private final TaskOutcomes outcomes;
    private final Ladder ladder;
    private final TranscodeSplit split;
    private final int maxAttempts;
    private final Events events;
    private final Clock clock;

    Planner(TaskStore store, TaskOutcomes outcomes, Ladder ladder, TranscodeSplit split, int maxAttempts, Events events,
            Clock clock) {
        this.store = store;
        this.outcomes = outcomes;
        this.ladder = ladder;
        this.split = split;
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
        boolean transcoded = plan.stream().filter(t -> t.kind() == TaskKind.TRANSCODE)
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
        TranscodeSplit chosen = find(plan, TaskKind.TRANSCODE).map(TranscodeSplit::of).orElse(split);
        int created = 0;
        if (chosen == TranscodeSplit.LADDER) {
            created += insert(job, TaskKind.TRANSCODE, TranscodeSplit.WHOLE_LADDER, TaskState.READY);
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

    /** Inserts one task in its own transaction; 0 when the plan already has it (unique key). */
    private int insert(Job job, TaskKind kind, String variant, TaskState state) {
        Instant now = clock.instant();
        try {
            Task t = store.signals().transaction(store.sql(), Channel.TASKS_READY, c -> store.tasks().insert(c,
                    job.videoId(), job.generation(), kind, variant, state, maxAttempts, now));
            TaskEvents.of(events, "TASK_CREATED", t).with("state", state.name()).emit();
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
