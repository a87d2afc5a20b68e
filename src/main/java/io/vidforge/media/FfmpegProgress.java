package io.vidforge.media;

import java.util.function.DoubleConsumer;

/**
 * Reads ffmpeg's {@code -progress pipe:1} output: {@code out_time_us} against the known duration gives
 * the fraction done. A line counts as progress only when the output time moved forward, so the stall
 * watchdog sees an ffmpeg that keeps reporting the same time as stalled.
 */
public final class FfmpegProgress implements RunControl.LineListener {
    private final long totalMicros;
    private final DoubleConsumer fraction;
    private long lastOutMicros = Long.MIN_VALUE;

    public FfmpegProgress(double totalSeconds, DoubleConsumer fraction) {
        this.totalMicros = Math.max(1, Math.round(totalSeconds * 1_000_000));
        this.fraction = fraction;
    }

    @Override
    public boolean onLine(String line) {
        if (line.startsWith("out_time_us=")) {
            long us;
            try {
                us = Long.parseLong(line.substring("out_time_us=".length()).trim());
            } catch (NumberFormatException e) {
                return false; // "N/A" before the first frame is out
            }
            if (us <= lastOutMicros) {
                return false;
            }
            lastOutMicros = us;
            fraction.accept(Math.max(0, Math.min(1, (double) us / totalMicros)));
            return true;
        }
        if (line.equals("progress=end")) {
            fraction.accept(1.0);
            return true;
        }
        return false;
    }
}
