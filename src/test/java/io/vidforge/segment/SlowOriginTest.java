package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read-ahead against a slow origin: it must never cost the requests. The origin delays only reads made
 * by prefetch threads, so requests measure the node, not S3.
 */
class SlowOriginTest {
    private static final Duration SLOW = Duration.ofMillis(1500);

    private SegmentTestNode node;
    private InstrumentedOrigin origin;
    private FakeLadder.Published video;
    private URI base;

    private void start(Map<String, String> overrides) {
        AtomicReference<InstrumentedOrigin> ref = new AtomicReference<>();
        node = SegmentTestNode.start(TestNodes.environment("slow-origin"), "segment-1", overrides, o -> {
            ref.set(new InstrumentedOrigin(o));
            return ref.get();
        });
        origin = ref.get();
        video = FakeLadder.publish(node.platform(), "slow-origin", 3, 10, 20_000);
        base = node.uri("/");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static boolean onPrefetchThread() {
        return Thread.currentThread().getName().startsWith("prefetch-");
    }

    @Test
    void a_prefetch_never_blocks_the_request_that_triggered_it() {
        start(Map.of());
        origin.delay(key -> onPrefetchThread() ? SLOW : Duration.ZERO);
        String s = "trigger";
        long t0 = System.nanoTime();
        Http.Response r = Playback.segment(base, s, video.videoId(), "720p", 3);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(200, r.status());
        assertArrayEquals(video.bytes("720p", "seg_00003.m4s"), r.body());
        assertTrue(took.compareTo(SLOW.dividedBy(3)) < 0, "the triggering request took " + took.toMillis() + " ms");
        assertTrue(Playback.events(node.logDir(), "PREFETCH_RESULT", s).isEmpty(),
                "the response arrived while its prefetch was still reading");

        JsonNode result = Playback.awaitPrefetchResult(node.logDir(), s, "720p", 4);
        assertEquals("FETCHED", result.path("result").asText());
        assertTrue(result.path("duration_ms").asDouble() >= SLOW.toMillis(), result.toString());
        System.out.printf("triggering request %.1f ms; its prefetch %.1f ms%n", took.toNanos() / 1e6,
                result.path("duration_ms").asDouble());
    }

    @Test
    void cached_segments_are_not_slowed_by_prefetches_in_flight() {
        start(Map.of());
        String s = "cached";
        String id = video.videoId();
        // Warm segments 0..2 of 480p (their read-ahead lands 1..3 in the cache too).
        for (int k = 0; k < 3; k++) {
            Playback.segment(base, s, id, "480p", k);
            Playback.awaitPrefetchResult(node.logDir(), s, "480p", k + 1);
        }
        List<Double> idle = timeCachedRequests(s, 150);

        origin.delay(key -> onPrefetchThread() ? SLOW : Duration.ZERO);
        // Occupy both prefetch threads with slow reads (segment 8 of the two other variants).
        Playback.segment(base, "busy", id, "720p", 7);
        Playback.segment(base, "busy", id, "360p", 7);
        Await.until(Playback.TIMEOUT, "two prefetches reading", () -> node.module().readAhead().pending() == 2);
        List<Double> busy = timeCachedRequests(s, 40);
        boolean stillReading = Playback.events(node.logDir(), "PREFETCH_RESULT", "busy").isEmpty();

        double idleMedian = median(idle.subList(110, 150));
        double busyMedian = median(busy);
        double busyMax = Collections.max(busy);
        System.out.printf("cached 20 KB segment, median: %.2f ms idle, %.2f ms with 2 slow prefetches in flight"
                + " (max %.2f ms)%n", idleMedian, busyMedian, busyMax);
        assertTrue(stillReading, "the slow prefetches were still reading during every measured request");
        assertTrue(busyMax < SLOW.toMillis() / 5.0, "slowest cached request " + busyMax + " ms");
        assertTrue(busyMedian < idleMedian * 3 + 5, "median " + busyMedian + " ms vs " + idleMedian + " ms idle");
    }

    /** Client-side milliseconds of {@code n} requests for cached segments 0..2 of 480p, each checked. */
    private List<Double> timeCachedRequests(String session, int n) {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Http.Response r = Playback.segment(base, session, video.videoId(), "480p", i % 3);
            millis.add((System.nanoTime() - t0) / 1e6);
            assertEquals("HIT", r.header("X-Cache"));
            assertArrayEquals(video.bytes("480p", FakeLadder.Published.segment(i % 3)), r.body());
        }
        return millis;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @Test
    void a_request_for_a_segment_being_prefetched_waits_for_that_read_instead_of_starting_another() {
        start(Map.of());
        origin.delay(key -> onPrefetchThread() ? SLOW : Duration.ZERO);
        String s = "joined";
        String id = video.videoId();
        Playback.segment(base, s, id, "720p", 0);
        String key1 = video.variant("720p").prefix() + "seg_00001.m4s";
        Await.until(Playback.TIMEOUT, "prefetch of segment 1 reading", () -> origin.reads(key1) == 1);
        Http.Response r = Playback.segment(base, s, id, "720p", 1);
        assertArrayEquals(video.bytes("720p", "seg_00001.m4s"), r.body());
        assertEquals("MISS", r.header("X-Cache"));
        JsonNode serve = Playback.awaitServe(node.logDir(), s, "720p", 1);
        assertEquals("JOINED", serve.path("load").asText(), serve.toString());
        assertEquals(1, origin.reads(key1), "one origin read for the prefetch and the request together");
        assertEquals("FETCHED", Playback.awaitPrefetchResult(node.logDir(), s, "720p", 1).path("result").asText());
    }

    @Test
    void a_saturated_prefetch_executor_skips_work_and_responses_stay_correct() {
        start(Map.of("PREFETCH_THREADS", "1", "PREFETCH_QUEUE", "1"));
        // Prefetch reads hang until the requests are done: the executor stays full, however slow the machine.
        CountDownLatch gate = new CountDownLatch(1);
        origin.delay(key -> {
            if (onPrefetchThread()) {
                awaitQuietly(gate);
            }
            return Duration.ZERO;
        });
        String s = "overload";
        String id = video.videoId();
        // Six segments in quick succession: one prefetch reads, one waits, the rest do not fit.
        int[][] requests = {{0, 0}, {1, 0}, {2, 0}, {0, 4}, {1, 4}, {2, 4}};
        String[] variants = {"720p", "480p", "360p"};
        for (int[] q : requests) {
            String variant = variants[q[0]];
            Http.Response r = Playback.segment(base, s, id, variant, q[1]);
            assertEquals(200, r.status());
            assertArrayEquals(video.bytes(variant, FakeLadder.Published.segment(q[1])), r.body());
        }
        gate.countDown();
        List<JsonNode> results = Await.value(Playback.TIMEOUT, "six prefetch results", () -> {
            List<JsonNode> l = Playback.events(node.logDir(), "PREFETCH_RESULT", s);
            return l.size() == requests.length ? l : null;
        });
        long skipped = results.stream().filter(e -> e.path("result").asText().equals("SKIPPED_OVERLOAD")).count();
        long fetched = results.stream().filter(e -> e.path("result").asText().equals("FETCHED")).count();
        assertEquals(4, skipped, results.toString());
        assertEquals(2, fetched, results.toString());
        // A skipped segment is simply read on demand later, correctly.
        for (JsonNode e : results) {
            if (e.path("result").asText().equals("SKIPPED_OVERLOAD")) {
                String variant = e.path("variant").asText();
                int seg = e.path("segment").asInt();
                Http.Response r = Playback.segment(base, "later", id, variant, seg);
                assertArrayEquals(video.bytes(variant, FakeLadder.Published.segment(seg)), r.body());
                assertFalse(r.header("X-Cache").isEmpty());
            }
        }
    }
}
