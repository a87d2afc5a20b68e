package io.vidforge.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time range of the video one VIDEO_CHUNK task encodes: whole segments from {@code startS} to
 * {@code endS} (exclusive), the last chunk running to the end of the source ({@link #TO_END}). The task's
 * variant spells it out ({@code c0003-90s-120s}, {@code c0004-120s-end}), so a worker needs no setting to
 * know what to encode and a log reader sees the range in every task event.
 */
public record ChunkRange(int index, int startS, int endS) {
    /** {@link #endS} of the last chunk: the end of the source, whatever its exact duration. */
    public static final int TO_END = -1;
    /** The chunk length when {@code CHUNK_SECONDS} is not set: about 30 s, in whole segments. */
    static final int DEFAULT_TARGET_SECONDS = 30;
    private static final Pattern VARIANT = Pattern.compile("c(\\d{4,})-(\\d+)s-(?:(\\d+)s|end)");

    public ChunkRange {
        if (index < 0 || startS < 0 || endS != TO_END && endS <= startS) {
            throw new IllegalArgumentException("not a chunk range: " + index + " " + startS + "-" + endS);
        }
    }

    /** The default {@code CHUNK_SECONDS} for a segment duration: the first multiple of it from 30 s. */
    public static int defaultSeconds(int segmentSeconds) {
        return segmentSeconds * ((DEFAULT_TARGET_SECONDS + segmentSeconds - 1) / segmentSeconds);
    }

    /** @throws IllegalArgumentException unless the chunk length is a positive multiple of the segment duration */
    public static int validSeconds(int chunkSeconds, int segmentSeconds) {
        if (chunkSeconds <= 0 || chunkSeconds % segmentSeconds != 0) {
            throw new IllegalArgumentException("CHUNK_SECONDS must be a positive multiple of SEGMENT_SECONDS ("
                    + segmentSeconds + "), was " + chunkSeconds);
        }
        return chunkSeconds;
    }

    /**
     * The chunks of a source lasting {@code durationS}: every {@code chunkSeconds} a new chunk, except that
     * the last one takes the tail when the tail would be shorter than one segment (so that no chunk exists
     * only for a few frames past the probed duration, which a container may overstate). A source no longer
     * than one chunk and one segment is one chunk.
     */
    public static List<ChunkRange> plan(double durationS, int chunkSeconds, int segmentSeconds) {
        validSeconds(chunkSeconds, segmentSeconds);
        int n = Math.max(1, (int) Math.ceil((durationS - segmentSeconds) / chunkSeconds));
        List<ChunkRange> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new ChunkRange(i, i * chunkSeconds, i == n - 1 ? TO_END : (i + 1) * chunkSeconds));
        }
        return out;
    }

    /** @throws IllegalArgumentException when the variant is not a chunk's */
    public static ChunkRange parse(String variant) {
        Matcher m = VARIANT.matcher(variant);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a chunk variant: '" + variant + "'");
        }
        return new ChunkRange(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? TO_END : Integer.parseInt(m.group(3)));
    }

    public String variant() {
        return String.format(Locale.ROOT, "c%04d-%ds-%s", index, startS, last() ? "end" : endS + "s");
    }

    public boolean last() {
        return endS == TO_END;
    }

    /** How much of a source lasting {@code durationS} this chunk covers, in seconds. */
    public double seconds(double durationS) {
        return Math.max(0, (last() ? durationS : Math.min(endS, durationS)) - startS);
    }

    /** The global number of this chunk's first segment. */
    public int firstSegment(int segmentSeconds) {
        return startS / segmentSeconds;
    }
}
