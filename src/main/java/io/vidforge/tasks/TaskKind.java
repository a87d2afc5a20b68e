package io.vidforge.tasks;

/** The steps of a video's processing plan: probe → transcode per variant (fan-out) → publish (fan-in). */
public enum TaskKind {
    PROBE, TRANSCODE, PUBLISH;

    /**
     * Whether an attempt of this kind copies the raw upload to the worker's disk first: the worker checks
     * that it fits in its scratch space (WORK_DIR_MAX_BYTES) before it starts one.
     */
    public boolean readsSource() {
        return this != PUBLISH;
    }
}
