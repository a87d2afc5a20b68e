package io.vidforge.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's append-only event log: one JSON object per line in {@code {logDir}/{nodeId}.jsonl}. Lines
 * are formatted on the emitting thread and appended by one writer thread ({@link LineWriter}): whole,
 * in order, never dropped or rewritten, in the file within a write of being emitted (so a
 * {@code kill -9} keeps them) and all of them written by {@link #close()}; rotated by size between
 * lines ({@link LogRotation}: LOG_MAX_BYTES, LOG_KEEP_FILES).
 */
public final class EventLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventLog.class.getName());

    /**
     * Sees every event this log writes, on the emitting thread, right after its line is queued: the one
     * place metrics are derived from, so roles need no instrumentation of their own. Must be quick and
     * must not block; {@code fields} is read-only to it.
     */
    @FunctionalInterface
    public interface Listener {
        void onEvent(String role, String event, Map<String, Object> fields);
    }

    /**
     * The per-request playback lines of segment nodes (three per request): written behind by the writer
     * thread, so a request never waits for the disk (docs/performance.md, fix 9).
     */
    private static final java.util.Set<String> WRITTEN_BEHIND = java.util.Set.of("SERVE", "PREFETCH_START",
            "PREFETCH_RESULT");
    private static final java.time.Duration WRITE_WAIT = java.time.Duration.ofSeconds(5);

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final String nodeId;
    private final LineWriter writer;

    private EventLog(String nodeId, LineWriter writer) {
        this.nodeId = nodeId;
        this.writer = writer;
    }

    /** A log that never rotates (tests). */
    public static EventLog open(Path logDir, String nodeId) {
        return open(logDir, nodeId, 0, 0);
    }

    /**
     * @param maxBytes  the live file is rotated before a line would take it past this size (0: never)
     * @param keepFiles rotated files kept ({@code {nodeId}.jsonl.1} … {@code .keepFiles})
     */
    public static EventLog open(Path logDir, String nodeId, long maxBytes, int keepFiles) {
        try {
            Files.createDirectories(logDir);
            return new EventLog(nodeId, new LineWriter(logDir.resolve(nodeId + ".jsonl"), "event-log-" + nodeId,
                    new LogRotation(maxBytes, keepFiles)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log in " + logDir, e);
        }
    }

    public String nodeId() {
        return nodeId;
    }

    /** A view that stamps every event with {@code role}. */
    public Events forRole(String role) {
        return new Events(this, role);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    void write(String role, String event, Map<String, Object> fields) {
        // Serialized here, on the emitting thread; the writer thread only appends finished lines.
        long ticket = writer.append(JsonLineFormatter.line(System.currentTimeMillis(), nodeId, role, event, fields));
        if (!WRITTEN_BEHIND.contains(event)) {
            // Every event but the per-request playback lines is in the file when emit returns, as with a
            // synchronous log: a state change is logged before anyone can see its effect through the API,
            // and a kill -9 just after loses nothing already reported.
            writer.awaitWritten(ticket, WRITE_WAIT);
        }
        for (Listener l : listeners) {
            try {
                l.onEvent(role, event, fields);
            } catch (RuntimeException e) { // a listener must never break logging or the emitting role
                LOG.log(Level.WARNING, "event listener failed on " + event, e);
            }
        }
    }

    /** Lines emitted and not yet handed to the file (for tests and diagnostics). */
    int pendingLines() {
        return writer.pending();
    }

    /** Writes every line emitted so far, then closes the file; later lines are appended directly. */
    @Override
    public void close() {
        writer.close();
    }
}
