package io.vidforge.tasks;

/** The steps of a video's processing plan: probe → transcode per variant (fan-out) → publish (fan-in). */
public enum TaskKind {
    PROBE, TRANSCODE, PUBLISH
}
