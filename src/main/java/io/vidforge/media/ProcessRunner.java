package io.vidforge.media;

import java.io.IOException;
import java.util.List;

/**
 * The one seam between the platform and external programs (ffmpeg, ffprobe): an argument list in, a
 * result out. Never a shell string, so file names can hold any character. Tests substitute their own.
 */
@FunctionalInterface
public interface ProcessRunner {
    /**
     * Runs {@code command} (program first) under {@code control} until it exits.
     *
     * @return the result of a process that exited by itself, whatever its exit code
     * @throws ProcessAbortedException when the runner killed it: timed out, stalled or cancelled
     */
    ProcessResult run(List<String> command, RunControl control) throws IOException, InterruptedException;
}
