package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop every role's background work runs in: a pass at start, at once again after a pass that found
 * more work, on a wake-up, else after the poll interval; a failing pass does not end it; close stops it
 * and waits for the pass under way. Intervals of an hour show that a pass came from a wake-up (or from
 * "more work"), not from the interval.
 */
class PollingLoopTest {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private PollingLoop loop;
    private final AtomicInteger passes = new AtomicInteger();

    @AfterEach
    void tearDown() {
        if (loop != null) {
            loop.close();
        }
    }

    private PollingLoop started(String name, Duration interval, BooleanSupplier pass) {
        loop = new PollingLoop(name, interval, () -> {
            passes.incrementAndGet();
            return pass.getAsBoolean();
        });
        loop.start();
        return loop;
    }

    private static boolean alive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void an_idle_loop_runs_a_pass_at_start_and_one_per_wake_up() {
        started("loop-wake", HOUR, () -> false);
        Await.until(WAIT, "the first pass", () -> loop.completedPasses() == 1);
        assertEquals(1, passes.get());
        for (int i = 2; i <= 4; i++) {
            int expected = i;
            loop.wake();
            Await.until(WAIT, "pass " + i + " after a wake-up (the interval is an hour)",
                    () -> loop.completedPasses() == expected);
            assertEquals(expected, passes.get());
        }
    }

    @Test
    void a_pass_that_reports_more_work_is_followed_by_another_at_once() {
        AtomicInteger left = new AtomicInteger(3);
        started("loop-more", HOUR, () -> left.getAndDecrement() > 0);
        Await.until(WAIT, "three passes with more work and the idle one after them", () -> loop.completedPasses() == 4);
        assertEquals(4, passes.get());
    }

    @Test
    void an_idle_loop_waits_the_poll_interval_between_passes() {
        Duration interval = Duration.ofMillis(300);
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        started("loop-interval", interval, () -> {
            startedAt.add(System.nanoTime());
            return false;
        });
        Await.until(WAIT, "four passes", () -> startedAt.size() >= 4);
        loop.close();
        for (int i = 1; i < 4; i++) {
            long gap = TimeUnit.NANOSECONDS.toMillis(startedAt.get(i) - startedAt.get(i - 1));
            assertTrue(gap >= interval.toMillis() - 5, "pass " + i + " came " + gap + " ms after the one before");
        }
    }

    @Test
    void a_failing_pass_does_not_end_the_loop() {
        started("loop-failing", HOUR, () -> {
            if (passes.get() == 1) {
                throw new IllegalStateException("database unreachable");
            }
            return false;
        });
        Await.until(WAIT, "the failed first pass", () -> loop.completedPasses() == 1);
        loop.wake();
        Await.until(WAIT, "a pass after the failure", () -> loop.completedPasses() == 2);
        assertEquals(2, passes.get());
    }

    @Test
    void close_waits_for_the_pass_under_way_and_stops_the_loop() throws Exception {
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        started("loop-close", HOUR, () -> {
            inPass.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true; // more work: only close can stop it
        });
        assertTrue(inPass.await(10, TimeUnit.SECONDS));
        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = Thread.ofPlatform().start(() -> {
            loop.close();
            closed.countDown();
        });
        assertFalse(closed.await(300, TimeUnit.MILLISECONDS), "close returned while a pass was under way");
        release.countDown();
        assertTrue(closed.await(10, TimeUnit.SECONDS), "close returned once the pass ended");
        closer.join();
        assertFalse(alive("loop-close"), "the loop's thread has ended");
        assertEquals(1, passes.get(), "no pass after close, although the last one reported more work");
    }

    @Test
    void close_ends_an_idle_loop_at_once() {
        started("loop-idle-close", HOUR, () -> false);
        Await.until(WAIT, "the first pass", () -> loop.completedPasses() == 1);
        long t0 = System.nanoTime();
        loop.close();
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 10, "close did not wait for the interval");
        assertFalse(alive("loop-idle-close"));
        assertEquals(1, passes.get());
    }

    @Test
    void close_keeps_the_interrupt_of_a_caller_interrupted_while_waiting() {
        CountDownLatch release = new CountDownLatch(1);
        started("loop-interrupted", HOUR, () -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
        Thread.currentThread().interrupt();
        loop.close(); // the join is interrupted at once: close gives up waiting and keeps the interrupt
        assertTrue(Thread.interrupted(), "the caller's interrupt is kept");
        release.countDown();
    }

    @Test
    void a_loop_never_started_closes_at_once() {
        PollingLoop never = new PollingLoop("loop-never", HOUR, () -> {
            throw new AssertionError("no pass");
        });
        never.close();
        assertEquals(0, never.completedPasses());
    }
}
