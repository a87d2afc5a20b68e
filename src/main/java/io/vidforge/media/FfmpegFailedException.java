package io.vidforge.media;

import java.io.IOException;

/**
 * ffmpeg exited with an error on a source the probe accepted. Worth a retry (the cause may be the
 * machine: disk full, memory); the message carries the end of ffmpeg's stderr.
 */
public final class FfmpegFailedException extends IOException {
    public static final String CODE = "TRANSCODE_FAILED";

    public FfmpegFailedException(String what, ProcessResult result) {
        super(CODE + ": " + what + " exited with " + result.exitCode() + ": " + result.stderrTail());
    }
}
