package io.vidforge.segment;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Wraps the real origin: counts reads per key and delays the ones a test chooses (a slow S3). */
final class InstrumentedOrigin implements Origin {
    private final Origin delegate;
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    private volatile Function<String, Duration> delay = key -> Duration.ZERO;

    InstrumentedOrigin(Origin delegate) {
        this.delegate = delegate;
    }

    /** From now on, reads of a key are delayed by {@code delay.apply(key)} before they start. */
    void delay(Function<String, Duration> delay) {
        this.delay = delay;
    }

    int reads(String key) {
        AtomicInteger n = reads.get(key);
        return n == null ? 0 : n.get();
    }

    int totalReads() {
        return reads.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public byte[] read(String key) {
        reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        Duration d = delay.apply(key);
        if (!d.isZero()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while simulating a slow origin", e);
            }
        }
        return delegate.read(key);
    }
}
