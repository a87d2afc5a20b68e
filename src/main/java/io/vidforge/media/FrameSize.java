package io.vidforge.media;

import io.vidforge.model.SourceInfo;

/**
 * The picture size of one rung: the rung's height (never more than the source's), the width from the
 * source's displayed aspect ratio, both even because 4:2:0 chroma needs it.
 */
public record FrameSize(int width, int height) {

    public static FrameSize forRung(SourceInfo source, Rung rung) {
        return atMostHeight(source, rung.height());
    }

    /** The source's displayed size scaled down (never up) to at most {@code maxHeight}. */
    public static FrameSize atMostHeight(SourceInfo source, int maxHeight) {
        int height = even(Math.min(maxHeight, source.height()));
        int width = nearestEven((double) source.width() * height / source.height());
        // Rounding down to even after scaling must not make the width exceed the source's.
        return new FrameSize(Math.min(width, even(source.width())), height);
    }

    private static int nearestEven(double x) {
        return (int) Math.max(2, 2 * Math.round(x / 2));
    }

    private static int even(int n) {
        return Math.max(2, n - (n % 2));
    }
}
