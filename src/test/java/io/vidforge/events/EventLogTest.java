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

    /**
     * With rotation at 64 KiB and 3 files kept, 16 threads writing ~1.5 MB: every file stays within the
     * limit, every line is whole, the live file keeps its contract name, and the kept files hold the
     * newest lines in order with none lost between them (older ones are deleted as configured).
     */
    @Test
    void rotation_moves_whole_files_aside_between_lines_and_keeps_the_newest() throws Exception {
        Path dir = Files.createTempDirectory("events-rotate");
        long max = 64 * 1024;
        int threads = 16;
        int perThread = 300;
        try (EventLog log = EventLog.open(dir, "segment-1", max, 3)) {
            Events events = log.forRole("segment");
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        events.event("SERVE").with("payload", "y".repeat(100 + i % 200)).emit();
                    }
                });
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            log.forRole("segment").event("LAST").emit();
        }
        List<Path> files = EventLogFiles.list(dir, 1);
        assertEquals(List.of(dir.resolve("segment-1.jsonl.3"), dir.resolve("segment-1.jsonl.2"),
                dir.resolve("segment-1.jsonl.1"), dir.resolve("segment-1.jsonl")), files, "oldest first, live last");
        String previousLastTs = "";
        for (Path f : files) {
            assertTrue(Files.size(f) <= max, f + " is " + Files.size(f) + " bytes");
            List<String> lines = Files.readAllLines(f);
            assertTrue(!lines.isEmpty(), f + " is empty");
            for (String line : lines) {
                JsonNode e = Json.MAPPER.readTree(line); // whole lines only, in every file
                assertEquals("segment-1", e.get("node_id").asText());
            }
            String firstTs = Json.MAPPER.readTree(lines.get(0)).get("ts").asText();
            assertTrue(firstTs.compareTo(previousLastTs) >= 0, "files follow each other in time: " + f);
            previousLastTs = Json.MAPPER.readTree(lines.get(lines.size() - 1)).get("ts").asText();
        }
        List<String> live = Files.readAllLines(dir.resolve("segment-1.jsonl"));
        assertEquals("LAST", Json.MAPPER.readTree(live.get(live.size() - 1)).get("event").asText());
        assertTrue(!Files.exists(dir.resolve("segment-1.jsonl.4")), "older files beyond LOG_KEEP_FILES are deleted");
    }

    @Test
    void a_rotated_log_is_read_whole_by_the_report_reader() throws Exception {
        Path dir = Files.createTempDirectory("events-rotate-read");
        try (EventLog log = EventLog.open(dir, "worker-2", 4096, 100)) {
            for (int i = 0; i < 500; i++) {
                log.forRole("worker").event("STEP").with("i", i).emit();
            }
        }
        assertTrue(Files.exists(dir.resolve("worker-2.jsonl.2")), "the test wrote enough to rotate");
        List<Integer> seen = new java.util.ArrayList<>();
        for (io.vidforge.report.LogEvent e : io.vidforge.report.EventLogReader.read(dir).events()) {
            seen.add(e.fields().get("i").asInt());
        }
        assertEquals(java.util.stream.IntStream.range(0, 500).boxed().toList(), seen, "every line once, in order");
    }
}
