package io.vidforge.tasks;

/**
 * A processing job (one per video generation): PENDING until the orchestrator starts its plan, PLANNED
 * while its tasks run, then DONE (published) or FAILED. The upload side inserts PENDING rows.
 */
public enum JobState {
    PENDING, PLANNED, DONE, FAILED
}
