package io.vidforge.media;

import java.util.List;
import java.util.Locale;

/**
 * The constant frame rate every rung of a video is encoded at. All rungs share it, so forced keyframes,
 * and with them segment boundaries, fall on the same timestamps in every rung. Variable-rate sources
 * (phones) report an average like 29.87: it is snapped to the broadcast rate it is near, and anything
 * above 60 is halved (or more) because Apple's ladder tops out at 60.
 */
public record OutputFrameRate(int numerator, int denominator) {
    private static final int MAX_FPS = 60;
    private static final List<OutputFrameRate> STANDARD = List.of(
            new OutputFrameRate(24000, 1001), new OutputFrameRate(24, 1), new OutputFrameRate(25, 1),
            new OutputFrameRate(30000, 1001), new OutputFrameRate(30, 1), new OutputFrameRate(48, 1),
            new OutputFrameRate(50, 1), new OutputFrameRate(60000, 1001), new OutputFrameRate(60, 1));
    /** How near (relative) a measured rate must be to a standard one to be snapped to it. */
    private static final double SNAP_TOLERANCE = 0.015;

    public static OutputFrameRate forSource(double sourceFps) {
        double fps = sourceFps > 0 && Double.isFinite(sourceFps) ? sourceFps : 30;
        // 120 → 60, 100 → 50, 90 → 45: keep every n-th frame rather than resampling unevenly.
        int divisor = 1;
        while (fps / divisor > MAX_FPS + 0.5) {
            divisor++;
        }
        double target = fps / divisor;
        OutputFrameRate best = null;
        for (OutputFrameRate r : STANDARD) {
            double rel = Math.abs(r.value() - target) / r.value();
            if (rel <= SNAP_TOLERANCE && (best == null || rel < Math.abs(best.value() - target) / best.value())) {
                best = r;
            }
        }
        if (best != null) {
            return best;
        }
        return new OutputFrameRate((int) Math.max(1, Math.min(MAX_FPS, Math.round(target))), 1);
    }

    /** Every other frame: 60 → 30, 59.94 → 29.97, 50 → 25. */
    public OutputFrameRate half() {
        return numerator % 2 == 0 ? new OutputFrameRate(numerator / 2, denominator)
                : new OutputFrameRate(numerator, denominator * 2);
    }

    public double value() {
        return (double) numerator / denominator;
    }

    /** As ffmpeg's {@code -r} takes it: "30000/1001" or "25". */
    public String ffmpegArgument() {
        return denominator == 1 ? Integer.toString(numerator) : numerator + "/" + denominator;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.3f", value());
    }
}
