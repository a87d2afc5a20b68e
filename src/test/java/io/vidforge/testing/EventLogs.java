package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.events.EventLogFiles;
import io.vidforge.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads the nodes' JSON-lines event logs, as an outside tool would. */
public final class EventLogs {
    private EventLogs() {
    }

    /** Every event of every node log under {@code logDir} (rotated files included), in write order per node. */
    public static List<JsonNode> read(Path logDir) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(logDir)) {
            return out;
        }
        try {
            for (Path f : EventLogFiles.list(logDir, 1)) {
                // Only finished lines: a node may be appending while a test polls, and a reader can see a
                // write cut at a page boundary (the file grows page by page within one write). The
                // production reader (report.EventLogReader) skips such a line the same way.
                String text = Files.readString(f);
                for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
                    if (!line.isBlank()) {
                        out.add(Json.MAPPER.readTree(line));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    public static List<JsonNode> events(Path logDir, String event, Predicate<JsonNode> filter) {
        return read(logDir).stream().filter(e -> event.equals(e.path("event").asText())).filter(filter).toList();
    }
}
