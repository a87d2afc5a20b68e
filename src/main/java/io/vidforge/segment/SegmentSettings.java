package io.vidforge.segment;

import io.vidforge.config.Settings;
import java.time.Duration;

/**
 * The segment role's settings, validated at start so a bad value fails the node instead of a request.
 *
 * @param cacheBytes      {@code CACHE_BYTES}: the node-local cache's bound (default 256 MiB)
 * @param prefetchDepth   {@code PREFETCH_DEPTH}: segments read ahead, 1 or 2 (default 1); 0 turns read-ahead
 *                        off (no prefetch reads and no PREFETCH_* lines, CMCD hints ignored)
 * @param prefetchThreads {@code PREFETCH_THREADS}: concurrent prefetch reads (default 2)
 * @param prefetchQueue   {@code PREFETCH_QUEUE}: prefetches that may wait; more are dropped (default 32)
 * @param videoCacheTtl   {@code VIDEO_CACHE_SECONDS}: how long a ready video's metadata is reused (default 5 s)
 * @param warmup          {@code SEGMENT_WARMUP_SECONDS}: the bound of the JIT warm-up at start ({@link SegmentWarmup});
 *                        0, the default, skips it ({@code ./run.sh up} sets 15)
 */
public record SegmentSettings(long cacheBytes, int prefetchDepth, int prefetchThreads, int prefetchQueue,
                              Duration videoCacheTtl, Duration warmup) {
    public static final long DEFAULT_CACHE_BYTES = 256L * 1024 * 1024;

    public SegmentSettings {
        require(cacheBytes >= 64 * 1024, "CACHE_BYTES must be at least 64 KiB, was " + cacheBytes);
        require(prefetchDepth >= 0 && prefetchDepth <= 2,
                "PREFETCH_DEPTH must be 0 (read-ahead off), 1 or 2, was " + prefetchDepth);
        require(prefetchThreads >= 1 && prefetchThreads <= 64, "PREFETCH_THREADS must be 1..64, was " + prefetchThreads);
        require(prefetchQueue >= 0 && prefetchQueue <= 10_000, "PREFETCH_QUEUE must be 0..10000, was " + prefetchQueue);
        require(!videoCacheTtl.isNegative() && videoCacheTtl.compareTo(Duration.ofMinutes(5)) <= 0,
                "VIDEO_CACHE_SECONDS must be 0..300, was " + videoCacheTtl.toMillis() / 1000.0);
        require(!warmup.isNegative() && warmup.compareTo(Duration.ofMinutes(2)) <= 0,
                "SEGMENT_WARMUP_SECONDS must be 0..120, was " + warmup.toMillis() / 1000.0);
    }

    public boolean readAheadOff() {
        return prefetchDepth == 0;
    }

    public static SegmentSettings from(Settings s) {
        return new SegmentSettings(
                s.longValue("CACHE_BYTES", DEFAULT_CACHE_BYTES),
                s.integer("PREFETCH_DEPTH", 1),
                s.integer("PREFETCH_THREADS", 2),
                s.integer("PREFETCH_QUEUE", 32),
                s.seconds("VIDEO_CACHE_SECONDS", 5),
                s.seconds("SEGMENT_WARMUP_SECONDS", 0));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
