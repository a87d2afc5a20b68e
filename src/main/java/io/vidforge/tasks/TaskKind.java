package io.vidforge.tasks;

/**
 * The steps of a video's processing plan: probe → encode (fan-out) → publish (fan-in). The encode is
 * TRANSCODE tasks (the whole ladder, or one per rung), or with the chunked plan one AUDIO task (the whole
 * audio rendition) and VIDEO_CHUNK tasks (every rung of one time range of the video each).
 */
public enum TaskKind {
    PROBE, TRANSCODE, AUDIO, VIDEO_CHUNK, PUBLISH;

    /**
     * Whether an attempt of this kind copies the raw upload to the worker's disk first: the worker checks
     * that it fits in its scratch space (WORK_DIR_MAX_BYTES) before it starts one.
     */
    public boolean readsSource() {
        return this != PUBLISH;
    }

    /** Whether this is one of the encode tasks that must all be DONE before PUBLISH may run. */
    public boolean encodes() {
        return this == TRANSCODE || this == AUDIO || this == VIDEO_CHUNK;
    }
}
