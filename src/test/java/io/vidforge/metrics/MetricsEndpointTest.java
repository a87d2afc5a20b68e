package io.vidforge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** GET /metrics on a real node: the series a scraper relies on appear after some activity. */
@Tag("db")
class MetricsEndpointTest {
    private Node node;

    @BeforeEach
    void start() {
        // Upload and segment roles; orchestrator and workers stay off so the queue depth stays put.
        node = TestNodes.start(TestNodes.environment("metrics"), "mixed-1", Set.of(Role.UPLOAD, Role.SEGMENT),
                Map.of("PREFETCH_DEPTH", "1"), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void metrics_answer_in_prometheus_text_with_request_cache_prefetch_upload_and_queue_series() {
        FakeLadder.Published video = FakeLadder.publish(node.platform(), "metrics", 1, 4, 10_000);
        String base = "/s/sess1/" + video.videoId() + "/720p/";
        // Segment 0 before the playlist (a playlist first would read segment 0 ahead): a miss, streamed.
        Http.Response miss = Http.get(uri(base + "seg_00000.m4s"));
        assertEquals(200, miss.status());
        assertEquals("MISS", miss.header("X-Cache"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(video.bytes("720p", "seg_00000.m4s"), miss.body());
        Await.until(Duration.ofSeconds(10), "read-ahead of segment 1",
                () -> node.metrics().registry().counter("vidforge_prefetch_total", "", "result")
                        .value("fetched") == 1);
        assertEquals(200, Http.get(uri(base + "index.m3u8")).status()); // reads init.mp4 ahead
        Await.until(Duration.ofSeconds(10), "read-ahead of init.mp4",
                () -> node.metrics().registry().counter("vidforge_prefetch_total", "", "result")
                        .value("fetched") == 2);
        assertEquals(200, Http.get(uri(base + "seg_00001.m4s")).status()); // hit
        assertEquals(200, Http.get(uri(base + "seg_00001.m4s")).status()); // hit
        assertEquals(404, Http.get(uri("/videos/" + "0".repeat(64))).status());
        Http.Response upload = Http.post(uri("/upload?title=m"), SampleBytes.pseudoMp4(50_000, 5), "video/mp4");
        assertEquals(201, upload.status(), upload.text());

        Http.Response res = Http.get(uri("/metrics"));
        assertEquals(200, res.status());
        assertTrue(res.header("Content-Type").startsWith("text/plain; version=0.0.4"), res.header("Content-Type"));
        String text = res.text();

        assertEquals(2, value(text, "vidforge_segment_serves_total{kind=\"segment\",cache=\"hit\"}"), text);
        assertEquals(1, value(text, "vidforge_segment_serves_total{kind=\"segment\",cache=\"miss\"}"));
        assertEquals(1, value(text, "vidforge_segment_serves_total{kind=\"playlist\",cache=\"miss\"}"));
        assertEquals(2, value(text, "vidforge_cache_requests_total{result=\"hit\"}"));
        assertEquals(2, value(text, "vidforge_cache_requests_total{result=\"miss\"}"));
        assertTrue(value(text, "vidforge_cache_bytes_total{result=\"hit\"}") > 20_000);
        assertTrue(value(text, "vidforge_prefetch_total{result=\"fetched\"}") >= 1);
        assertTrue(value(text, "vidforge_prefetch_bytes_total") > 10_000);
        assertEquals(3, value(text, "vidforge_segment_serve_duration_seconds_count{kind=\"segment\",cache=\"hit\"}")
                + value(text, "vidforge_segment_serve_duration_seconds_count{kind=\"segment\",cache=\"miss\"}"));
        assertTrue(value(text, "vidforge_cache_weight_bytes") > 30_000);
        assertEquals(3, value(text, "vidforge_http_requests_total{route=\"segment\",method=\"GET\",status=\"200\"}"));
        assertEquals(1, value(text, "vidforge_http_requests_total{route=\"playlist\",method=\"GET\",status=\"200\"}"));
        assertEquals(1, value(text, "vidforge_http_requests_total{route=\"videos\",method=\"GET\",status=\"404\"}"));
        assertEquals(1, value(text, "vidforge_http_requests_total{route=\"upload\",method=\"POST\",status=\"201\"}"));
        assertEquals(3, value(text, "vidforge_http_request_duration_seconds_count{route=\"segment\",status_class=\"2xx\"}"));
        assertEquals(3, value(text,
                "vidforge_http_request_duration_seconds_bucket{route=\"segment\",status_class=\"2xx\",le=\"+Inf\"}"));
        assertEquals(1, value(text, "vidforge_uploads_total{outcome=\"new\"}"));
        assertEquals(50_000, value(text, "vidforge_upload_bytes_total"));
        assertEquals(1, value(text, "vidforge_events_total{role=\"upload\",event=\"UPLOAD_RECEIVED\"}"));
        // Queue depth from the database: the upload created one pending job, no tasks yet; two videos.
        assertEquals(0, value(text, "vidforge_tasks{state=\"READY\",kind=\"PROBE\"}"));
        assertEquals(1, value(text, "vidforge_videos{status=\"ready\"}"));
        assertEquals(1, value(text, "vidforge_videos{status=\"uploaded\"}"));
        assertEquals(1, value(text, "vidforge_node_info{node_id=\"mixed-1\",role=\"" + node.role() + "\"}"));
        assertTrue(text.contains("# TYPE vidforge_http_request_duration_seconds histogram"));
        assertTrue(text.contains("# TYPE vidforge_tasks gauge"));
        assertEquals(405, Http.method(uri("/metrics"), "DELETE", null).status());
    }

    private URI uri(String path) {
        return node.baseUri().resolve(path);
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no series " + series + " in:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }
}
