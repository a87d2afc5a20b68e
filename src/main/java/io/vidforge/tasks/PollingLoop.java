package io.vidforge.tasks;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A background loop: runs {@code pass} at once again when it reports more work, otherwise waits for a
 * {@link #wake()} or the poll interval, whichever comes first. A failing pass is logged and the loop
 * keeps going: a database outage must not kill the node's orchestration for good.
 */
public final class PollingLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PollingLoop.class.getName());

    private final Duration interval;
    private final BooleanSupplier pass;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private final AtomicLong passes = new AtomicLong();
    private volatile boolean running = true;

    public PollingLoop(String name, Duration interval, BooleanSupplier pass) {
        this.interval = interval;
        this.pass = pass;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Makes the loop run a pass now (or right after the current one). Cheap; callable from any thread. */
    public void wake() {
        wakeups.release();
    }

    /**
     * Passes finished so far (failed ones included): lets a test know the loop has gone idle after a pass
     * before it makes work appear, so that only a wake-up can explain the next pass.
     */
    public long completedPasses() {
        return passes.get();
    }

    private void run() {
        while (running) {
            boolean more = false;
            try {
                more = pass.getAsBoolean();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, thread.getName() + " pass failed; retrying after " + interval.toMillis() + " ms", e);
            }
            passes.incrementAndGet();
            if (!more && running) {
                try {
                    wakeups.tryAcquire(interval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            // Wake-ups that arrived during the pass are covered by the next one.
            wakeups.drainPermits();
        }
    }

    @Override
    public void close() {
        running = false;
        wakeups.release();
        if (thread.getState() == Thread.State.NEW) {
            return; // never started (loops are off in manually driven tests)
        }
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
