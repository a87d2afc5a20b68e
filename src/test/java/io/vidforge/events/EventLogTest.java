package io.vidforge.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import io.vidforge.testing.Await;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
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
    /** The documented bound: a line is in the file within this long of being emitted. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
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
        int[] lastPerThread = new int[threads];
        java.util.Arrays.fill(lastPerThread, -1);
        for (String line : lines) {
            JsonNode e = Json.MAPPER.readTree(line); // every line parses on its own
            assertTrue(TS.matcher(e.get("ts").asText()).matches(), e.get("ts").asText());
            assertEquals("segment-3", e.get("node_id").asText());
            assertEquals("segment", e.get("role").asText());
            assertEquals("SERVE", e.get("event").asText());
            seen.add(e.get("thread").asInt() + ":" + e.get("i").asInt());
            int t = e.get("thread").asInt();
            assertEquals(lastPerThread[t] + 1, e.get("i").asInt(), "each thread's lines appear in the order emitted");
            lastPerThread[t] = e.get("i").asInt();
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

    @Test
    void a_line_is_in_the_file_within_a_second_of_being_emitted_while_the_log_stays_open() throws Exception {
        Path dir = Files.createTempDirectory("events-prompt");
        try (EventLog log = EventLog.open(dir, "segment-1")) {
            Events events = log.forRole("segment");
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                events.event("SERVE").with("i", i).emit();
                int want = i + 1;
                Await.until(WITHIN, "line " + i + " in the file", () -> completeLines(dir.resolve("segment-1.jsonl")) == want);
                assertTrue(System.nanoTime() - t0 < WITHIN.toNanos());
            }
            assertEquals(0, log.pendingLines());
        }
    }

    @Test
    void lines_emitted_before_a_kill_minus_9_stay_in_the_file_whole_and_in_order() throws Exception {
        Path dir = Files.createTempDirectory("events-kill");
        int count = 5_000;
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EventLogChild.class.getName(), dir.toString(),
                Integer.toString(count)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertEquals("EMITTED " + count, first);
            Path file = dir.resolve("child-1.jsonl");
            // The bound: within a second of being emitted a line is in the file, and then a kill cannot take it.
            Await.until(WITHIN, "all " + count + " lines in the file", () -> completeLines(file) >= count);
        } finally {
            p.destroyForcibly(); // SIGKILL on Linux, while the child keeps emitting
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        byte[] all = Files.readAllBytes(dir.resolve("child-1.jsonl"));
        assertEquals('\n', all[all.length - 1], "the file ends with a whole line: writes carry whole lines only");
        List<String> lines = Files.readAllLines(dir.resolve("child-1.jsonl"));
        assertTrue(lines.size() > count, "the child was still writing when it was killed");
        for (int i = 0; i < lines.size(); i++) {
            JsonNode e = Json.MAPPER.readTree(lines.get(i));
            assertEquals(i, e.get("i").asInt(), "line " + i + " in order, none lost");
            assertEquals(i < count ? "SERVE" : "MORE", e.get("event").asText());
        }
    }

    @Test
    void when_the_file_stalls_emitters_wait_for_room_and_no_line_is_dropped() throws Exception {
        Path dir = Files.createTempDirectory("events-stall");
        Path fifo = dir.resolve("stalled.jsonl");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // A reader that opens the pipe but reads nothing yet: once the pipe's buffer is full, writes stall.
        CompletableFuture<FileChannel> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return FileChannel.open(fifo, StandardOpenOption.READ);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        int queue = 8;
        int total = 2_000;
        LineWriter writer = new LineWriter(fifo, "stall-test", queue, LogRotation.NEVER);
        // Own threads: the common pool may have one worker on a 2-core machine, and these all block.
        ExecutorService emit = Executors.newFixedThreadPool(3);
        try (FileChannel in = reader.get(30, TimeUnit.SECONDS)) {
            Future<?> emitting = emit.submit(() -> {
                for (int i = 0; i < total; i++) {
                    writer.append(("{\"i\":" + i + ",\"pad\":\"" + "y".repeat(300) + "\"}\n").getBytes(StandardCharsets.UTF_8));
                }
            });
            // The pipe holds ~64 KiB (~200 lines) and the queue 8: the emitter must be waiting, not dropping.
            Await.until(Duration.ofSeconds(10), "the queue to fill", () -> writer.pending() == queue);
            assertTrue(!emitting.isDone(), "the emitter waits for room while the file is stalled");
            // Unstall: read everything (the pipe ends when the writer closes); every line arrives, in order.
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    emitting.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    writer.close();
                }
            }, emit);
            String got = CompletableFuture.supplyAsync(() -> readToEnd(in), emit).get(90, TimeUnit.SECONDS);
            closing.get(60, TimeUnit.SECONDS);
            List<String> lines = got.lines().toList();
            assertEquals(total, lines.size());
            for (int i = 0; i < total; i++) {
                assertEquals(i, Json.MAPPER.readTree(lines.get(i)).get("i").asInt());
            }
        } finally {
            emit.shutdownNow();
            writer.close();
        }
    }

    @Test
    void close_writes_every_queued_line_and_a_line_after_close_is_still_appended_last() throws Exception {
        Path dir = Files.createTempDirectory("events-close");
        EventLog log = EventLog.open(dir, "worker-2");
        Events events = log.forRole("worker");
        for (int i = 0; i < 3_000; i++) {
            events.event("TASK_HEARTBEAT").with("i", i).emit();
        }
        log.close();
        events.event("NODE_STOPPED").emit(); // a straggler after close
        List<String> lines = Files.readAllLines(dir.resolve("worker-2.jsonl"));
        assertEquals(3_001, lines.size());
        for (int i = 0; i < 3_000; i++) {
            assertEquals(i, Json.MAPPER.readTree(lines.get(i)).get("i").asInt());
        }
        assertEquals("NODE_STOPPED", Json.MAPPER.readTree(lines.get(3_000)).get("event").asText());
    }

    private static String readToEnd(FileChannel in) {
        StringBuilder got = new StringBuilder();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
        try {
            while (in.read(buf.clear()) >= 0) {
                got.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return got.toString();
    }

    /** Newline-terminated lines in the file now (a reader may see a line cut at a page boundary). */
    private static long completeLines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }
}
