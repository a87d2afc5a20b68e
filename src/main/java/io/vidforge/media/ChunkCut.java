package io.vidforge.media;

/**
 * Where one rung's frames of a time chunk begin and end, as frame numbers of that rung's constant-rate
 * timeline (the one the whole-ladder encode produces, from 0): the first frame at or after the chunk's
 * start and the first at or after its end (exclusive). Exact integer arithmetic on the rational rate, so a
 * 29.97 fps chunk starting at 30 s begins at frame 900 (30.03 s), as the whole-ladder encode's segment
 * does, where a float comparison could pick frame 899.
 *
 * @param endFrame exclusive; -1 for a chunk running to the end of the source
 */
public record ChunkCut(OutputFrameRate rate, long startFrame, long endFrame) {

    public static ChunkCut of(OutputFrameRate rate, int startS, int endS) {
        return new ChunkCut(rate, firstFrameAtOrAfter(rate, startS), endS < 0 ? -1 : firstFrameAtOrAfter(rate, endS));
    }

    private static long firstFrameAtOrAfter(OutputFrameRate rate, long seconds) {
        return Math.ceilDiv(seconds * rate.numerator(), (long) rate.denominator());
    }

    /** The trim filter that keeps exactly these frames of the rate's timeline (pts are frame numbers there). */
    public String trimFilter() {
        return "trim=start_pts=" + startFrame + (endFrame < 0 ? "" : ":end_pts=" + endFrame);
    }

    /** How many frames the chunk has; -1 when it runs to the end of the source. */
    public long frames() {
        return endFrame < 0 ? -1 : endFrame - startFrame;
    }

    /**
     * The decode time of the chunk's first frame in a track of this timescale: what its fragments' {@code tfdt}
     * must be shifted by, since the muxer starts each chunk's track at 0.
     *
     * @throws IllegalStateException when the timescale does not hold a whole number of ticks per frame
     */
    public long offsetTicks(long timescale) {
        long ticks = startFrame * rate.denominator() * timescale;
        if (ticks % rate.numerator() != 0) {
            throw new IllegalStateException("a timescale of " + timescale + " has no whole number of ticks per frame at "
                    + rate.ffmpegArgument() + " fps");
        }
        return ticks / rate.numerator();
    }
}
