package io.vidforge.media;

import io.vidforge.model.SourceInfo;

/**
 * The picture size of one rung: the source's displayed size scaled so that its shorter side is the rung's
 * (never more than the source's own: nothing is upscaled), the aspect ratio kept, both sides even because
 * 4:2:0 chroma needs it. A 1080x1920 portrait source at 1080p stays 1080x1920; at 720p it is 720x1280.
 */
public record FrameSize(int width, int height) {

    public static FrameSize forRung(SourceInfo source, Rung rung) {
        return atMostShortSide(source, rung.shortSide());
    }

    /** The source's displayed size scaled down (never up) so that its shorter side is at most {@code maxShortSide}. */
    public static FrameSize atMostShortSide(SourceInfo source, int maxShortSide) {
        int shortSide = Math.min(source.width(), source.height());
        double scale = Math.min(1.0, (double) maxShortSide / shortSide);
        // Rounding to even after scaling must not make a side exceed the source's.
        int width = Math.min(nearestEven(source.width() * scale), even(source.width()));
        int height = Math.min(nearestEven(source.height() * scale), even(source.height()));
        // The short side itself is exact (e.g. 1080 or 720), the long side follows the aspect.
        if (source.width() <= source.height()) {
            width = even(Math.min(maxShortSide, source.width()));
        } else {
            height = even(Math.min(maxShortSide, source.height()));
        }
        return new FrameSize(width, height);
    }

    /** The source's displayed size scaled down (never up) to at most {@code maxHeight} lines (posters). */
    public static FrameSize atMostHeight(SourceInfo source, int maxHeight) {
        int height = even(Math.min(maxHeight, source.height()));
        int width = nearestEven((double) source.width() * height / source.height());
        return new FrameSize(Math.min(width, even(source.width())), height);
    }

    private static int nearestEven(double x) {
        return (int) Math.max(2, 2 * Math.round(x / 2));
    }

    private static int even(int n) {
        return Math.max(2, n - (n % 2));
    }
}
