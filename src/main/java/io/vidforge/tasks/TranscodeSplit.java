package io.vidforge.tasks;

import java.util.Locale;

/**
 * How the planner cuts a video's encode into TRANSCODE tasks ({@code TRANSCODE_SPLIT}). Workers run
 * either kind of task whatever their own setting: the task's variant says which it is.
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
    RUNG;

    /** The variant of the TRANSCODE task that encodes the whole ladder (a per-rung task names its rung). */
    public static final String WHOLE_LADDER = "";

    public static TranscodeSplit parse(String value) {
        for (TranscodeSplit s : values()) {
            if (s.name().equalsIgnoreCase(value.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("TRANSCODE_SPLIT must be 'ladder' or 'rung', was '" + value + "'");
    }

    /** Which split a TRANSCODE task belongs to, from its variant. */
    public static TranscodeSplit of(Task transcode) {
        return transcode.variant().isEmpty() ? LADDER : RUNG;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
