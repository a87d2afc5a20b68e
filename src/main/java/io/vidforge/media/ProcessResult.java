package io.vidforge.media;

import java.time.Duration;

/**
 * How a process ended by itself. {@code stdout} is empty unless the {@link RunControl} asked for it;
 * {@code stderrTail} holds the last lines of stderr, which is where ffmpeg explains a failure.
 */
public record ProcessResult(int exitCode, String stdout, String stderrTail, Duration elapsed) {
    public boolean succeeded() {
        return exitCode == 0;
    }
}
