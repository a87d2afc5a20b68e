package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.http.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Reads the nodes' JSON-lines event logs, as an outside tool would. */
public final class EventLogs {
    private EventLogs() {
    }

    /** Every event of every node log under {@code logDir}, in file order per node. */
    public static List<JsonNode> read(Path logDir) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(logDir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
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
