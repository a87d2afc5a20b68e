package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node-local cache through HTTP: bounded by bytes however much is played; one origin read per key. */
class CacheBoundPlaybackTest {
    private SegmentTestNode node;
    private InstrumentedOrigin origin;

    private void start(Map<String, String> overrides) {
        AtomicReference<InstrumentedOrigin> ref = new AtomicReference<>();
        node = SegmentTestNode.start(TestNodes.environment("cache-bound"), "segment-1", overrides, o -> {
            ref.set(new InstrumentedOrigin(o));
            return ref.get();
        });
        origin = ref.get();
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void the_cache_stays_under_its_byte_bound_while_many_videos_are_played() {
        long bound = 256 * 1024;
        start(Map.of("CACHE_BYTES", String.valueOf(bound)));
        List<FakeLadder.Published> videos = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < 5; i++) {
            FakeLadder.Published v = FakeLadder.publish(node.platform(), "bound-" + i, 3, 10, 8_000);
            videos.add(v);
            total += v.objects().values().stream().mapToLong(b -> b.length).sum();
        }
        assertTrue(total > 4 * bound, "the ladders (" + total + " bytes) do not fit in the cache");
        URI base = node.uri("/");
        SegmentCache cache = node.module().cache();
        for (FakeLadder.Published v : videos) {
            for (String variant : List.of("720p", "480p", "360p")) {
                String s = "p-" + v.videoId().substring(0, 6) + "-" + variant;
                Http.Response pl = Http.get(base.resolve(Playback.path(s, v.videoId(), variant, "index.m3u8")));
                assertArrayEquals(v.bytes(variant, "index.m3u8"), pl.body());
                for (int k = 0; k < 10; k++) {
                    Http.Response r = Playback.segment(base, s, v.videoId(), variant, k);
                    assertArrayEquals(v.bytes(variant, FakeLadder.Published.segment(k)), r.body());
                    if (k < 9) {
                        Playback.awaitPrefetchResult(node.logDir(), s, variant, k + 1);
                    }
                    assertTrue(cache.weightBytes() <= bound, cache.weightBytes() + " > " + bound);
                }
            }
        }
        // Evicted segments come back from S3, still correct.
        FakeLadder.Published first = videos.get(0);
        Http.Response again = Playback.segment(base, "again", first.videoId(), "720p", 0);
        assertEquals("MISS", again.header("X-Cache"));
        assertArrayEquals(first.bytes("720p", "seg_00000.m4s"), again.body());
        assertTrue(cache.weightBytes() <= bound);
        System.out.printf("played %d bytes of objects through a %d-byte cache; it holds %d bytes in %d entries%n",
                total, bound, cache.weightBytes(), cache.entries());
    }

    @Test
    void concurrent_requests_for_one_uncached_segment_cause_exactly_one_origin_read() throws Exception {
        start(Map.of());
        FakeLadder.Published v = FakeLadder.publish(node.platform(), "stampede", 1, 4, 200_000);
        String key = v.variant("720p").prefix() + "seg_00002.m4s";
        // Slow enough that all requests arrive while the first read is still running.
        origin.delay(k -> k.equals(key) ? java.time.Duration.ofMillis(800) : java.time.Duration.ZERO);
        int n = 24;
        URI base = node.uri("/");
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CyclicBarrier barrier = new CyclicBarrier(n);
        List<Future<Http.Response>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String session = "stampede-" + i;
            futures.add(pool.submit((Callable<Http.Response>) () -> {
                barrier.await(10, TimeUnit.SECONDS);
                return Playback.segment(base, session, v.videoId(), "720p", 2);
            }));
        }
        for (Future<Http.Response> f : futures) {
            Http.Response r = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertArrayEquals(v.bytes("720p", "seg_00002.m4s"), r.body());
        }
        pool.shutdownNow();
        assertEquals(1, origin.reads(key), "one origin read for " + n + " concurrent requests");
        List<JsonNode> serves = io.vidforge.testing.Await.value(Playback.TIMEOUT, "all SERVE lines", () -> {
            List<JsonNode> l = io.vidforge.testing.EventLogs.events(node.logDir(), "SERVE",
                    e -> e.path("segment").asInt(-1) == 2);
            return l.size() == n ? l : null;
        });
        long loaded = serves.stream().filter(e -> e.path("cache").asText().equals("MISS") && e.path("load").isMissingNode()).count();
        long joined = serves.stream().filter(e -> e.path("load").asText().equals("JOINED")).count();
        assertEquals(1, loaded, "exactly one request read S3");
        assertTrue(joined >= 1, "requests waited on the in-flight read: " + joined);
    }
}
