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
        Object[] params = record.getParameters();
        if (params != null && params.length == 1 && params[0] instanceof Line l) {
            return l.text();
        }
        if (params != null && params.length == 1 && params[0] instanceof Map<?, ?> m) {
            return line(record.getMillis(), (Map<String, Object>) m);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "LOG");
        line.put("message", record.getMessage());
        return line(record.getMillis(), line);
    }

    /** An event already formatted by the emitting thread (outside the handler's lock). */
    record Line(String text) {
    }

    /** One JSON line with {@code ts} first, then {@code fields} in order. */
    static String line(long millis, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Json.timestamp(millis));
        line.putAll(fields);
        try {
            return Json.MAPPER.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException e) {
            return "{\"ts\":\"" + Json.timestamp(millis) + "\",\"event\":\"LOG_FORMAT_ERROR\"}\n";
        }
    }
}
