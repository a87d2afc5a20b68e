package io.vidforge.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.events.EventLogFiles;
import io.vidforge.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads every event log file under a directory, live and rotated ({@link EventLogFiles}; cluster runs may
 * keep one subdirectory per node)
 * into one time-ordered list. A line that is not a JSON object with a {@code ts} (for example the last
 * line of a node killed mid-write) is counted and skipped, never fatal.
 */
public final class EventLogReader {
    private static final int MAX_DEPTH = 4;

    private EventLogReader() {
    }

    /** The events, ordered by time, then by file and line; and how many lines were unreadable. */
    public record Logs(List<LogEvent> events, List<Path> files, int skippedLines) {
    }

    public static Logs read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no log directory at " + dir.toAbsolutePath());
        }
        List<Path> files = EventLogFiles.list(dir, MAX_DEPTH);
        List<LogEvent> events = new ArrayList<>();
        int skipped = 0;
        long order = 0;
        for (Path f : files) {
            try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    LogEvent e = parse(line, order++);
                    if (e == null) {
                        skipped++;
                    } else {
                        events.add(e);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
        }
        events.sort(Comparator.comparing(LogEvent::ts).thenComparingLong(LogEvent::order));
        return new Logs(List.copyOf(events), files, skipped);
    }

    static LogEvent parse(String line, long order) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            if (n == null || !n.isObject() || !n.path("ts").isTextual()) {
                return null;
            }
            return new LogEvent(Instant.parse(n.get("ts").asText()), order, n);
        } catch (IOException | DateTimeParseException e) {
            return null;
        }
    }
}
