package io.vidforge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Task metrics derived from the event stream alone. */
class EventMetricsTest {
    @Test
    void task_durations_retries_and_outcomes_come_from_events() {
        MetricsRegistry r = new MetricsRegistry();
        EventMetrics m = new EventMetrics(r);
        m.onEvent("worker", "TASK_CLAIMED", task(7, 1, "TRANSCODE"));
        Map<String, Object> retry = task(7, 1, "TRANSCODE");
        retry.put("reason", "ERROR: FfmpegFailedException: ffmpeg encoding 720p exited 1");
        m.onEvent("worker", "TASK_RETRY", retry);
        m.onEvent("worker", "TASK_CLAIMED", task(7, 2, "TRANSCODE"));
        m.onEvent("worker", "TASK_COMPLETED", task(7, 2, "TRANSCODE"));
        m.onEvent("orchestrator", "LEASE_EXPIRED", task(9, 1, "PROBE"));
        Map<String, Object> odd = task(9, 1, "PROBE");
        odd.put("reason", "lower case and \"quotes\"\n");
        m.onEvent("orchestrator", "TASK_RETRY", odd);

        String text = r.render();
        assertTrue(text.contains("vidforge_task_retries_total{kind=\"TRANSCODE\",reason=\"ERROR\"} 1\n"), text);
        assertTrue(text.contains("vidforge_task_retries_total{kind=\"PROBE\",reason=\"OTHER\"} 1\n"), text);
        assertTrue(text.contains("vidforge_task_duration_seconds_count{kind=\"TRANSCODE\",outcome=\"completed\"} 1\n"));
        assertTrue(text.contains("vidforge_task_duration_seconds_count{kind=\"TRANSCODE\",outcome=\"retry\"} 1\n"));
        // The orchestrator never saw the claim of task 9: no duration, but the retry and expiry count.
        assertTrue(!text.contains("kind=\"PROBE\",outcome=\"retry\""));
        assertTrue(text.contains("vidforge_task_events_total{event=\"LEASE_EXPIRED\",kind=\"PROBE\"} 1\n"));
        assertEquals(2, r.counter("vidforge_task_events_total", "", "event", "kind").value("TASK_CLAIMED", "TRANSCODE"));
        assertEquals("ERROR", EventMetrics.reasonClass("ERROR: x"));
        assertEquals("LEASE_EXPIRED", EventMetrics.reasonClass("LEASE_EXPIRED lease ended at 12"));
    }

    @Test
    void route_classes_never_carry_ids() {
        assertEquals("segment", HttpMetrics.routeClass("/s/abc/" + "f".repeat(64) + "/720p/seg_00001.m4s"));
        assertEquals("init", HttpMetrics.routeClass("/s/abc/" + "f".repeat(64) + "/720p/init.mp4"));
        assertEquals("playlist", HttpMetrics.routeClass("/s/abc/" + "f".repeat(64) + "/720p/index.m3u8"));
        assertEquals("master", HttpMetrics.routeClass("/s/abc/" + "f".repeat(64) + "/master.m3u8"));
        assertEquals("master", HttpMetrics.routeClass("/play/" + "f".repeat(64) + "/master.m3u8"));
        assertEquals("tus", HttpMetrics.routeClass("/uploads/123"));
        assertEquals("upload", HttpMetrics.routeClass("/upload"));
        assertEquals("other", HttpMetrics.routeClass("/../etc/passwd"));
    }

    private static Map<String, Object> task(long id, int attempt, String kind) {
        Map<String, Object> f = new HashMap<>();
        f.put("video_id", "v");
        f.put("task_id", id);
        f.put("attempt", attempt);
        f.put("kind", kind);
        return f;
    }
}
