package io.vidforge.tasks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": after attempt n the ceiling is min(max, base * 2^(n-1)) and
 * the delay is drawn from [ceiling/2, ceiling]. Half the delay is guaranteed, so retries always spread
 * out and grow; the random half keeps workers that failed together from retrying together.
 */
public final class Backoff {
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier random;

    public Backoff(Duration base, Duration max, DoubleSupplier random) {
        this.base = base;
        this.max = max;
        this.random = random;
    }

    public static Backoff of(TaskSettings s) {
        return new Backoff(s.backoffBase(), s.backoffMax(), () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the attempt after {@code failedAttempt} (1-based). */
    public Duration delay(int failedAttempt) {
        long ceiling = ceiling(failedAttempt).toMillis();
        return Duration.ofMillis(ceiling / 2 + Math.round(random.getAsDouble() * (ceiling - ceiling / 2)));
    }

    /** The largest delay {@link #delay} can return for {@code failedAttempt}. */
    public Duration ceiling(int failedAttempt) {
        int doublings = Math.min(Math.max(failedAttempt, 1) - 1, 40); // 2^40 x base exceeds any sane cap
        double ms = base.toMillis() * Math.pow(2, doublings);
        return Duration.ofMillis((long) Math.min(max.toMillis(), ms));
    }
}
