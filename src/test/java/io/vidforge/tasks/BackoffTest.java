package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration BASE = Duration.ofSeconds(2);
    private static final Duration MAX = Duration.ofSeconds(60);

    @Test
    void backoff_doubles_per_attempt_with_jitter_between_half_and_the_whole_ceiling_and_stops_at_the_cap() {
        Random random = new Random(42);
        Backoff backoff = new Backoff(BASE, MAX, random::nextDouble);
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = Math.min(MAX.toMillis(), BASE.toMillis() << (attempt - 1));
            assertEquals(ceiling, backoff.ceiling(attempt).toMillis(), "ceiling after attempt " + attempt);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long d = backoff.delay(attempt).toMillis();
                assertTrue(d >= ceiling / 2 && d <= ceiling, "attempt " + attempt + ": " + d + " not in ["
                        + ceiling / 2 + ", " + ceiling + "]");
                seen.add(d);
            }
            assertTrue(seen.size() > 50, "jitter spreads the delays (attempt " + attempt + ")");
        }
    }

    /** The workers' own backoff draws its jitter at random, so tasks that failed together do not retry together. */
    @Test
    void the_configured_backoff_spreads_the_retries_of_tasks_that_failed_together() {
        Backoff backoff = Backoff.of(TaskSettings.from(io.vidforge.config.Settings.of(java.util.Map.of())));
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(backoff.delay(5).toMillis());
        }
        assertTrue(seen.size() > 50, "200 draws, " + seen.size() + " distinct delays");
    }

    @Test
    void backoff_never_shrinks_from_one_attempt_to_the_next() {
        // Below the cap the lowest delay after attempt n+1 equals the highest after attempt n: growth
        // survives the jitter. At the cap, delays stay within [cap/2, cap].
        Backoff low = new Backoff(BASE, MAX, () -> 0.0);
        Backoff high = new Backoff(BASE, MAX, () -> 1.0);
        for (int attempt = 1; low.ceiling(attempt + 1).compareTo(MAX) < 0; attempt++) {
            assertEquals(high.delay(attempt), low.delay(attempt + 1), "attempt " + attempt);
        }
        assertEquals(MAX, high.delay(1000), "a huge attempt number stays at the cap");
        assertEquals(Duration.ofSeconds(30), low.delay(1000));
    }
}
