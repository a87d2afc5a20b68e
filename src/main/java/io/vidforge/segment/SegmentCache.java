package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.ExecutionError;
import com.google.common.util.concurrent.UncheckedExecutionException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The node-local cache of immutable playback objects (segments, init segments, variant playlists), keyed
 * by S3 key and bounded by bytes. Guava's {@code get(key, loader)} guarantees one origin read per key at
 * a time: concurrent requests and a prefetch of the same key all wait on the one read. Keys are S3 keys
 * under attempt-scoped prefixes, so a reprocessed video never meets stale entries; nothing expires by
 * time, only by size (least recently used first).
 */
public final class SegmentCache {
    /**
     * Rough per-entry heap cost besides the bytes (key string, entry, array header), counted so that
     * many tiny playlists cannot exceed the bound unnoticed.
     */
    static final int ENTRY_OVERHEAD = 160;

    private final Cache<String, CachedBytes> cache;
    private final Origin origin;
    private final long maxBytes;
    // Keys whose origin read is running; lets read-ahead report IN_FLIGHT without blocking on it.
    private final Set<String> loading = ConcurrentHashMap.newKeySet();

    public SegmentCache(Origin origin, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("CACHE_BYTES must be positive, was " + maxBytes);
        }
        this.origin = origin;
        this.maxBytes = maxBytes;
        this.cache = CacheBuilder.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, CachedBytes v) -> weight(k, v))
                .build();
    }

    /** A looked-up object and how it was found. */
    public record Lookup(CachedBytes body, CacheOutcome outcome) {
    }

    static int weight(String key, CachedBytes value) {
        long w = value.heapBytes() + 2L * key.length() + ENTRY_OVERHEAD;
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    /**
     * The object, from memory or else from the origin (at most one origin read per key at a time).
     * Throws {@link io.vidforge.storage.StorageException} when the origin fails.
     */
    public Lookup get(String key) {
        return get(key, null);
    }

    /**
     * As {@link #get(String)}; when this call reads the origin, the read is published to {@code progress}
     * as it arrives (see {@link ProgressiveRead}). {@code progress} may be null.
     */
    public Lookup get(String key, ProgressiveRead progress) {
        CachedBytes cached = cache.getIfPresent(key);
        if (cached != null) {
            return new Lookup(cached, CacheOutcome.HIT);
        }
        // The loader runs only in the caller that won the race; the others wait for its result.
        boolean[] ranLoader = {false};
        try {
            CachedBytes bytes = cache.get(key, () -> {
                ranLoader[0] = true;
                loading.add(key);
                try {
                    // Chunked as the responses write it (CachedBytes); a streamed miss keeps sending from
                    // the origin's own array meanwhile.
                    return CachedBytes.copyOf(progress == null ? origin.read(key) : origin.read(key, progress));
                } finally {
                    loading.remove(key);
                }
            });
            // Not our loader: we waited on another caller's read. (In the rare race where that read ended
            // between getIfPresent and get we call it JOINED too: it errs towards MISS, never a false HIT.)
            return new Lookup(bytes, ranLoader[0] ? CacheOutcome.LOADED : CacheOutcome.JOINED);
        } catch (ExecutionException | UncheckedExecutionException | ExecutionError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("origin read of " + key + " failed", cause);
        }
    }

    public boolean contains(String key) {
        return cache.getIfPresent(key) != null;
    }

    /** True while an origin read of {@code key} is running. */
    public boolean isLoading(String key) {
        return loading.contains(key);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** The summed weight of the entries now held (bytes plus per-entry overhead). */
    public long weightBytes() {
        long sum = 0;
        for (var e : cache.asMap().entrySet()) {
            sum += weight(e.getKey(), e.getValue());
        }
        return sum;
    }

    public long entries() {
        return cache.size();
    }

    /**
     * Drops every cached object of a video (its keys all hold {@code /{videoId}/}); returns how many bytes
     * were dropped.
     */
    public long dropVideo(String videoId) {
        String marker = "/" + videoId + "/";
        long[] bytes = {0};
        cache.asMap().entrySet().removeIf(e -> {
            if (e.getKey().contains(marker)) {
                bytes[0] += e.getValue().length();
                return true;
            }
            return false;
        });
        return bytes[0];
    }

    public void invalidateAll() {
        cache.invalidateAll();
    }
}
