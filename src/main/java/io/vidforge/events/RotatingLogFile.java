package io.vidforge.events;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * The JUL handler behind a node's event log: appends each record as one flushed line to
 * {@code {nodeId}.jsonl}, and when the next line would take the file past {@code maxBytes} it first
 * moves the file aside as {@code {nodeId}.jsonl.1} (older ones shift to {@code .2} … {@code .keep}; the
 * oldest beyond that is deleted) and starts a new one. A line is never split or rewritten: rotation
 * only renames whole files, between two lines, under the same lock that writes them. The live file
 * keeps the name the contract gives, so tailing it and reading rotated files oldest first
 * ({@link EventLogFiles}) sees every line once, in order.
 */
final class RotatingLogFile extends Handler {
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private OutputStream out;
    private long size;

    /**
     * @param maxBytes rotate before a line would pass this size; 0 never rotates
     * @param keep     rotated files kept besides the live one (0 = none, rotation only truncates history)
     */
    RotatingLogFile(Path file, long maxBytes, int keep) {
        if (maxBytes < 0 || keep < 0) {
            throw new IllegalArgumentException("LOG_MAX_BYTES and LOG_KEEP_FILES must not be negative");
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        try {
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log " + file, e);
        }
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (out == null || !isLoggable(record)) {
            return;
        }
        byte[] line;
        try {
            line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            reportError("cannot format an event", e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        try {
            if (maxBytes > 0 && size > 0 && size + line.length > maxBytes) {
                rotate();
            }
            out.write(line);
            out.flush();
            size += line.length;
        } catch (IOException e) {
            reportError("cannot write the event log " + file, e, ErrorManager.WRITE_FAILURE);
        }
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        if (keep == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(EventLogFiles.rotated(file, keep));
            for (int i = keep - 1; i >= 1; i--) {
                Path from = EventLogFiles.rotated(file, i);
                if (Files.exists(from)) {
                    Files.move(from, EventLogFiles.rotated(file, i + 1), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.move(file, EventLogFiles.rotated(file, 1), StandardCopyOption.ATOMIC_MOVE);
        }
        open();
    }

    private void open() throws IOException {
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        size = Files.size(file);
    }

    @Override
    public synchronized void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                reportError("cannot flush the event log " + file, e, ErrorManager.FLUSH_FAILURE);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                reportError("cannot close the event log " + file, e, ErrorManager.CLOSE_FAILURE);
            }
            out = null;
        }
    }
}
