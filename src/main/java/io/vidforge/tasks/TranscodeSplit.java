package io.vidforge.tasks;

import java.util.Locale;

/**
 * How the planner cuts a video's encode into tasks ({@code TRANSCODE_SPLIT}). Workers run every kind of
 * task whatever their own setting: the task's kind and variant say which it is.
 */
public enum TranscodeSplit {
    /**
     * One TRANSCODE for the whole ladder (the default): one ffmpeg process decodes the source once and
     * encodes every rung. Fastest where one machine does the work: the per-rung split decodes the source
     * once per rung (1.3-1.5x the CPU for a 1080p ladder).
     */
    LADDER,
    /**
     * One TRANSCODE per rung: each decodes the source again, but the rungs of one video spread over many
     * worker machines.
     */
    RUNG,
    /**
     * Split and stitch: one AUDIO task (the whole audio rendition) and one VIDEO_CHUNK per time range of
     * whole segments ({@code CHUNK_SECONDS}), each encoding every rung of its range in one ffmpeg process;
     * PUBLISH stitches the chunks into one playlist per rung. One video spreads over many workers without
     * decoding the source more than once in all (plus a second of pre-roll per chunk).
     */
    CHUNK;

    /** The variant of the TRANSCODE task that encodes the whole ladder (a per-rung task names its rung). */
    public static final String WHOLE_LADDER = "";

    public static TranscodeSplit parse(String value) {
        for (TranscodeSplit s : values()) {
            if (s.name().equalsIgnoreCase(value.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("TRANSCODE_SPLIT must be 'ladder', 'rung' or 'chunk', was '" + value + "'");
    }

    /** Which split an encode task belongs to: from its kind, and for a TRANSCODE from its variant. */
    public static TranscodeSplit of(Task encode) {
        if (encode.kind() == TaskKind.AUDIO || encode.kind() == TaskKind.VIDEO_CHUNK) {
            return CHUNK;
        }
        return encode.variant().isEmpty() ? LADDER : RUNG;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
