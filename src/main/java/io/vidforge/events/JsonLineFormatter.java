package io.vidforge.events;

import io.vidforge.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Formats an event as one JSON line: {@code ts} (ISO-8601 UTC, milliseconds) first, UTF-8, newline-ended. */
final class JsonLineFormatter {
    private JsonLineFormatter() {
    }

    /** {@code ts}, then {@code nodeId}, {@code role}, {@code event}, then {@code fields} in order. */
    static byte[] line(long millis, String nodeId, String role, String event, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>(fields.size() * 2 + 8);
        line.put("ts", Json.timestamp(millis));
        line.put("node_id", nodeId);
        line.put("role", role);
        line.put("event", event);
        line.putAll(fields);
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try {
            Json.MAPPER.writeValue(out, line);
        } catch (IOException e) {
            return ("{\"ts\":\"" + Json.timestamp(millis) + "\",\"node_id\":\"" + nodeId
                    + "\",\"event\":\"LOG_FORMAT_ERROR\"}\n").getBytes(StandardCharsets.UTF_8);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
