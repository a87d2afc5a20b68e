package io.vidforge.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The node's append-only event log: one JSON object per line in {@code {logDir}/{nodeId}.jsonl},
 * written through java.util.logging by {@link RotatingLogFile}, which writes and flushes one whole line
 * per record under its lock and rotates the file by size (LOG_MAX_BYTES, LOG_KEEP_FILES).
 */
public final class EventLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventLog.class.getName());

    /**
     * Sees every event this log writes, on the emitting thread, right after its line is written: the one
     * place metrics are derived from, so roles need no instrumentation of their own. Must be quick and
     * must not block; {@code fields} is read-only to it.
     */
    @FunctionalInterface
    public interface Listener {
        void onEvent(String role, String event, Map<String, Object> fields);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final String nodeId;
    private final Logger logger;
    private final Handler handler;

    private EventLog(String nodeId, Logger logger, Handler handler) {
        this.nodeId = nodeId;
        this.logger = logger;
        this.handler = handler;
    }

    /** A log that never rotates (tests). */
    public static EventLog open(Path logDir, String nodeId) {
        return open(logDir, nodeId, 0, 0);
    }

    /**
     * @param maxBytes the live file is rotated before a line would take it past this size (0: never)
     * @param keepFiles rotated files kept ({@code {nodeId}.jsonl.1} … {@code .keepFiles})
     */
    public static EventLog open(Path logDir, String nodeId, long maxBytes, int keepFiles) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log in " + logDir, e);
        }
        // One flushed line per record under the handler's lock: every event is one complete line however
        // many threads emit at once, and rotation happens between lines (RotatingLogFile).
        Handler fh = new RotatingLogFile(logDir.resolve(nodeId + ".jsonl"), maxBytes, keepFiles);
        fh.setFormatter(new JsonLineFormatter());
        // One logger per log file; never reuse a cached logger across opens (tests open several).
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.ALL);
        logger.addHandler(fh);
        return new EventLog(nodeId, logger, fh);
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
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("node_id", nodeId);
        line.put("role", role);
        line.put("event", event);
        line.putAll(fields);
        LogRecord r = new LogRecord(Level.INFO, event);
        // Serialized here, on the emitting thread: the handler's lock (one line at a time, flushed) then
        // covers only the write, not the JSON formatting (docs/performance.md: it was the segment node's
        // hottest lock at a few hundred requests a second, three events each).
        r.setParameters(new Object[] {new JsonLineFormatter.Line(JsonLineFormatter.line(r.getMillis(), line))});
        logger.log(r);
        for (Listener l : listeners) {
            try {
                l.onEvent(role, event, fields);
            } catch (RuntimeException e) { // a listener must never break logging or the emitting role
                LOG.log(Level.WARNING, "event listener failed on " + event, e);
            }
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        handler.close();
    }
}
