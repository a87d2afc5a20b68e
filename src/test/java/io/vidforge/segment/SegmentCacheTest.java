package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.storage.StorageException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache on its own, over an in-memory origin: its bound, its single loads and its failures. */
class SegmentCacheTest {
    private static final int KB = 1024;

    /** An origin of deterministic objects whose size is encoded in the key ("k-123" is 123 bytes). */
    private static final class MemoryOrigin implements Origin {
        final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public byte[] read(String key) {
            reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            try {
                if (!gate.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (key.startsWith("missing")) {
                throw new StorageException("get " + key + ": NoSuchKey", null, true);
            }
            return bytes(key);
        }

        static byte[] bytes(String key) {
            byte[] b = new byte[Integer.parseInt(key.substring(key.lastIndexOf('-') + 1))];
            new Random(key.hashCode()).nextBytes(b);
            return b;
        }
    }

    @Test
    void the_cache_never_holds_more_than_its_byte_bound() {
        MemoryOrigin origin = new MemoryOrigin();
        long bound = 512 * KB;
        SegmentCache cache = new SegmentCache(origin, bound);
        Random r = new Random(7);
        long requested = 0;
        for (int i = 0; i < 2_000; i++) {
            String key = "v" + r.nextInt(40) + "/seg-" + (1 + r.nextInt(40 * KB));
            requested += cache.get(key).body().length();
            assertTrue(cache.weightBytes() <= bound, "after " + i + ": " + cache.weightBytes() + " > " + bound);
        }
        assertTrue(requested > 20 * bound, "the test asked for far more than fits");
        assertTrue(cache.weightBytes() > bound / 2, "the cache is used, not just emptied: " + cache.weightBytes());
    }

    @Test
    void concurrent_lookups_of_one_missing_key_read_the_origin_once_and_share_the_bytes() throws Exception {
        MemoryOrigin origin = new MemoryOrigin();
        origin.gate = new CountDownLatch(1);
        SegmentCache cache = new SegmentCache(origin, 8L * 1024 * KB);
        int n = 16;
        String key = "video/seg-" + (300 * KB);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CyclicBarrier barrier = new CyclicBarrier(n);
        List<Future<SegmentCache.Lookup>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit((Callable<SegmentCache.Lookup>) () -> {
                barrier.await(10, TimeUnit.SECONDS);
                return cache.get(key);
            }));
        }
        // Everyone is either loading or waiting on the one load before the origin answers.
        io.vidforge.testing.Await.until(java.time.Duration.ofSeconds(10), "the load to start", () -> cache.isLoading(key));
        origin.gate.countDown();
        Map<CacheOutcome, Integer> outcomes = new EnumMap<>(CacheOutcome.class);
        for (Future<SegmentCache.Lookup> f : futures) {
            SegmentCache.Lookup l = f.get(20, TimeUnit.SECONDS);
            assertArrayEquals(MemoryOrigin.bytes(key), l.body().toArray());
            outcomes.merge(l.outcome(), 1, Integer::sum);
        }
        pool.shutdownNow();
        assertEquals(1, origin.reads.get(key).get(), "one origin read");
        assertEquals(1, outcomes.get(CacheOutcome.LOADED), outcomes.toString());
        assertEquals(n - 1, outcomes.getOrDefault(CacheOutcome.JOINED, 0) + outcomes.getOrDefault(CacheOutcome.HIT, 0));
        assertEquals(CacheOutcome.HIT, cache.get(key).outcome());
    }

    @Test
    void a_failed_origin_read_is_not_cached_and_not_found_is_told_apart() {
        MemoryOrigin origin = new MemoryOrigin();
        SegmentCache cache = new SegmentCache(origin, 1024 * KB);
        StorageException e = assertThrows(StorageException.class, () -> cache.get("missing/seg-10"));
        assertTrue(e.notFound());
        assertThrows(StorageException.class, () -> cache.get("missing/seg-10"));
        assertEquals(2, origin.reads.get("missing/seg-10").get(), "failures are retried, not remembered");
        assertTrue(!cache.isLoading("missing/seg-10"));
    }

    @Test
    void each_entry_weighs_its_bytes_its_key_and_the_per_entry_overhead_and_a_one_byte_bound_is_valid() {
        MemoryOrigin origin = new MemoryOrigin();
        SegmentCache cache = new SegmentCache(origin, 1024 * KB);
        String key = "videos/v/720p/seg-1000";
        CachedBytes body = cache.get(key).body();
        // The weight the bound is kept by: a miscounted key or overhead lets many small entries exceed it.
        assertEquals(body.heapBytes() + 2L * key.length() + SegmentCache.ENTRY_OVERHEAD, cache.weightBytes());
        assertEquals(1, cache.entries());
        assertEquals(1, new SegmentCache(origin, 1).maxBytes(), "the smallest bound there is");
        assertThrows(IllegalArgumentException.class, () -> new SegmentCache(origin, 0));
    }

    @Test
    void a_lookup_that_streams_its_miss_reads_the_origin_progressively_and_a_plain_one_does_not() {
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        Origin origin = new Origin() {
            @Override
            public byte[] read(String key) {
                calls.add("whole " + key);
                return MemoryOrigin.bytes(key);
            }

            @Override
            public byte[] read(String key, ProgressiveRead progress) {
                calls.add("progressive " + key);
                return MemoryOrigin.bytes(key);
            }
        };
        SegmentCache cache = new SegmentCache(origin, 1024 * KB);
        cache.get("a-10", new ProgressiveRead());
        cache.get("b-10");
        assertEquals(List.of("progressive a-10", "whole b-10"), calls);
    }
}
