package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.events.EventLog;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JIT warm-up at a segment node's start ({@code SEGMENT_WARMUP_SECONDS}, docs/segment-service.md): it
 * runs real responses through the hit path's writer, ends at its bound, is logged once, and a node that
 * stops meanwhile does not wait for it.
 */
class SegmentWarmupTest {

    @Test
    void a_warm_up_serves_whole_answers_until_its_bound_and_logs_what_it_did() throws Exception {
        Path logs = Files.createTempDirectory("warmup-logs");
        try (EventLog log = EventLog.open(logs, "seg-w")) {
            SegmentWarmup warmup = new SegmentWarmup(Duration.ofMillis(800), log.forRole("segment"));
            long t0 = System.nanoTime();
            warmup.start();
            List<JsonNode> lines = Await.value(Duration.ofSeconds(20), "the SEGMENT_WARMUP line", () -> {
                List<JsonNode> found = EventLogs.read(logs).stream()
                        .filter(e -> e.path("event").asText().equals("SEGMENT_WARMUP")).toList();
                return found.isEmpty() ? null : found;
            });
            long tookMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertEquals(1, lines.size(), "one SEGMENT_WARMUP line");
            JsonNode e = lines.get(0);
            long requests = e.path("requests").asLong();
            assertTrue(requests > 0, "it answered requests: " + e);
            // Three segment-sized answers to one playlist-sized one per connection, each read whole (a short
            // body ends its connection and its bytes are not counted).
            assertTrue(e.path("bytes").asLong() >= requests / 2 * 900, "whole bodies were read: " + e);
            assertEquals(800, e.path("bound_ms").asLong());
            // The bound, plus the private server's start and stop (seconds on a loaded machine).
            assertTrue(e.path("duration_ms").asLong() < 800 + 10_000, "it ended at its bound: " + e);
            assertTrue(tookMs < 20_000, "bounded in time: " + tookMs + " ms");
            warmup.close();
        }
    }

    @Test
    void a_zero_bound_runs_nothing_and_close_stops_a_running_warm_up_at_once() throws Exception {
        Path logs = Files.createTempDirectory("warmup-logs");
        try (EventLog log = EventLog.open(logs, "seg-w")) {
            SegmentWarmup off = new SegmentWarmup(Duration.ZERO, log.forRole("segment"));
            off.start();
            off.close();
            SegmentWarmup running = new SegmentWarmup(Duration.ofSeconds(120), log.forRole("segment"));
            running.start();
            long t0 = System.nanoTime();
            running.close();
            long closeMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertTrue(closeMs < 10_000, "close did not wait for the 120 s bound: " + closeMs + " ms");
            JsonNode e = Await.value(Duration.ofSeconds(10), "the SEGMENT_WARMUP line", () -> EventLogs.read(logs).stream()
                    .filter(x -> x.path("event").asText().equals("SEGMENT_WARMUP")).findFirst().orElse(null));
            assertTrue(e.path("stopped").asBoolean(), "the stopped warm-up says so: " + e);
            assertFalse(e.path("duration_ms").asLong() > 15_000, "stopped long before its bound: " + e);
            assertEquals(1, EventLogs.read(logs).stream()
                    .filter(x -> x.path("event").asText().equals("SEGMENT_WARMUP")).count(), "the zero bound logged nothing");
        }
    }
}
