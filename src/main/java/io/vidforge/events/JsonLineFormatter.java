package io.vidforge.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vidforge.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** Formats an event record as one JSON line with {@code ts} (ISO-8601 UTC, milliseconds) first. */
final class JsonLineFormatter extends Formatter {
    @Override
    @SuppressWarnings("unchecked")
    public String format(LogRecord record) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Json.timestamp(record.getMillis()));
        Object[] params = record.getParameters();
        if (params != null && params.length == 1 && params[0] instanceof Map<?, ?> m) {
            line.putAll((Map<String, Object>) m);
        } else {
            line.put("event", "LOG");
            line.put("message", record.getMessage());
        }
        try {
            return Json.MAPPER.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException e) {
            return "{\"ts\":\"" + Json.timestamp(record.getMillis()) + "\",\"event\":\"LOG_FORMAT_ERROR\"}\n";
        }
    }
}
