package io.vidforge.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EventLogTest {
    private static final Pattern TS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    @Test
    void many_threads_write_one_complete_json_line_per_event() throws Exception {
        Path dir = Files.createTempDirectory("events");
        int threads = 16;
        int perThread = 500;
        try (EventLog log = EventLog.open(dir, "segment-3")) {
            Events events = log.forRole("segment");
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        events.event("SERVE").with("thread", thread).with("i", i)
                                .with("payload", "x".repeat(200 + i % 300)).emit();
                    }
                });
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        List<String> lines = Files.readAllLines(dir.resolve("segment-3.jsonl"));
        assertEquals(threads * perThread, lines.size());
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            JsonNode e = Json.MAPPER.readTree(line); // every line parses on its own
            assertTrue(TS.matcher(e.get("ts").asText()).matches(), e.get("ts").asText());
            assertEquals("segment-3", e.get("node_id").asText());
            assertEquals("segment", e.get("role").asText());
            assertEquals("SERVE", e.get("event").asText());
            seen.add(e.get("thread").asInt() + ":" + e.get("i").asInt());
        }
        assertEquals(threads * perThread, seen.size(), "no event lost or duplicated");
    }

    @Test
    void reopening_appends_and_never_rewrites() throws Exception {
        Path dir = Files.createTempDirectory("events-append");
        try (EventLog log = EventLog.open(dir, "worker-1")) {
            log.forRole("worker").event("A").emit();
        }
        String before = Files.readString(dir.resolve("worker-1.jsonl"));
        try (EventLog log = EventLog.open(dir, "worker-1")) {
            log.forRole("worker").event("B").emit();
        }
        String after = Files.readString(dir.resolve("worker-1.jsonl"));
        assertTrue(after.startsWith(before), "earlier lines are untouched");
        assertEquals(2, after.lines().count());
    }
}
