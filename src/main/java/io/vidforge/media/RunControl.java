package io.vidforge.media;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * How a process is supervised: a hard time limit, an optional stall limit (no forward progress for that
 * long kills it), a cancellation check polled while it runs, and a listener for stdout lines that
 * tells the watchdog when the process made progress.
 *
 * @param timeout        the process is killed after this long, whatever it is doing
 * @param stallTimeout   killed when {@code stdout} reported no progress for this long; zero disables it
 * @param cancelled      polled while running; true kills the process tree
 * @param stdout         sees every stdout line
 * @param captureStdout  whether the result keeps stdout (ffprobe's JSON) or drops it (ffmpeg's progress)
 */
public record RunControl(Duration timeout, Duration stallTimeout, BooleanSupplier cancelled, LineListener stdout,
                         boolean captureStdout) {

    /** Sees one line of stdout; returns true when the line shows forward progress. */
    @FunctionalInterface
    public interface LineListener {
        boolean onLine(String line);
    }

    public RunControl {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(stdout, "stdout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("every wait has a timeout; got " + timeout);
        }
    }

    /** Captures stdout, no stall watchdog, never cancelled: the shape of an ffprobe call. */
    public static RunControl capturing(Duration timeout) {
        return new RunControl(timeout, Duration.ZERO, () -> false, line -> false, true);
    }

    /** Drops stdout after the listener saw it: the shape of an ffmpeg call with {@code -progress pipe:1}. */
    public static RunControl streaming(Duration timeout, LineListener stdout) {
        return new RunControl(timeout, Duration.ZERO, () -> false, stdout, false);
    }

    public RunControl stallAfter(Duration limit) {
        return new RunControl(timeout, limit, cancelled, stdout, captureStdout);
    }

    public RunControl cancelWhen(BooleanSupplier check) {
        return new RunControl(timeout, stallTimeout, check, stdout, captureStdout);
    }

    boolean watchesStalls() {
        return !stallTimeout.isZero() && !stallTimeout.isNegative();
    }
}
