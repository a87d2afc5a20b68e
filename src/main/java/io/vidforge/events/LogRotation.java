package io.vidforge.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * When and how an event log file is rotated: before a line would take the live {@code {nodeId}.jsonl}
 * past {@code maxBytes}, the whole file is renamed {@code {nodeId}.jsonl.1} (older ones shift to
 * {@code .2} … {@code .keep}; the oldest beyond that is deleted) and a new live file is started. Only
 * whole files are renamed, between two lines, by the log's single writer thread ({@link LineWriter}),
 * so a line is never split or rewritten, and the live file keeps the name the contract gives; readers
 * list live and rotated files through {@link EventLogFiles}.
 */
record LogRotation(long maxBytes, int keep) {
    static final LogRotation NEVER = new LogRotation(0, 0);

    LogRotation {
        if (maxBytes < 0 || keep < 0) {
            throw new IllegalArgumentException("LOG_MAX_BYTES and LOG_KEEP_FILES must not be negative");
        }
    }

    /** True when a line of {@code lineBytes} must go to a new file: the current one is not empty and would pass the limit. */
    boolean due(long currentBytes, int lineBytes) {
        return maxBytes > 0 && currentBytes > 0 && currentBytes + lineBytes > maxBytes;
    }

    /** Moves the (closed) live file aside and shifts the older ones; the caller opens a new live file. */
    void rotate(Path live) throws IOException {
        if (keep == 0) {
            Files.deleteIfExists(live);
            return;
        }
        Files.deleteIfExists(EventLogFiles.rotated(live, keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = EventLogFiles.rotated(live, i);
            if (Files.exists(from)) {
                Files.move(from, EventLogFiles.rotated(live, i + 1), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.move(live, EventLogFiles.rotated(live, 1), StandardCopyOption.ATOMIC_MOVE);
    }
}
