package io.vidforge.segment;

/**
 * The bytes of one origin read as they arrive: the loading thread {@link #begin}s with the final array
 * (the one the cache will hold) and {@link #advance}s; the request that caused the miss follows and
 * writes each newly filled range to its client, so a miss costs about one origin read instead of an
 * origin read plus a full second transfer (store and forward). The loader never waits for the client:
 * a slow client cannot delay the cache fill other requests wait on.
 *
 * <p>The last byte is held back until the lookup has {@link #finish}ed, which is after the cache holds
 * the object: a client that has the whole body and asks again is answered from the cache (a HIT), never
 * by waiting on a read that is still being stored (measured under load: the follower sent the last
 * range while the loader was still copying and inserting, and the repeat request was a MISS).
 */
public final class ProgressiveRead {
    /** Followers are woken per this many new bytes (or at the end): fewer, larger socket writes. */
    static final int NOTIFY_BYTES = 64 * 1024;

    private byte[] bytes;
    private int notified;
    private int filled;
    private boolean done;
    private Throwable failure;

    /** The read will deliver exactly {@code target.length} bytes into {@code target}. */
    public synchronized void begin(byte[] target) {
        this.bytes = target;
        notifyAll();
    }

    /** Bytes {@code [0, filledTo)} of the target are final. */
    public synchronized void advance(int filledTo) {
        this.filled = filledTo;
        if (filledTo - notified >= NOTIFY_BYTES || filledTo == bytes.length) {
            notified = filledTo;
            notifyAll();
        }
    }

    /** The read (or the lookup that owned it) ended; {@code failure} is null on success. */
    synchronized void finish(Throwable failure) {
        this.done = true;
        this.failure = failure;
        notifyAll();
    }

    /** The object's length once the read began, or -1 if it ended without publishing (joined, failed, hit). */
    synchronized int awaitLength() throws InterruptedException {
        while (bytes == null && !done) {
            wait();
        }
        return bytes == null ? -1 : bytes.length;
    }

    /**
     * Waits until more than {@code from} bytes may be sent; returns how many. The last byte only once the
     * lookup finished (the object is in the cache by then).
     */
    synchronized int awaitBeyond(int from) throws InterruptedException {
        while (sendable() <= from && !done) {
            wait();
        }
        // filled may be ahead of what woke us; that is fine, it is all final
        if (sendable() <= from) {
            throw new IllegalStateException("the origin read ended after " + filled + " of " + bytes.length
                    + " bytes", failure);
        }
        return sendable();
    }

    private int sendable() {
        // Once done, whatever arrived is final, even if storing it failed: a whole body is sent whole.
        return done ? filled : Math.min(filled, bytes.length - 1);
    }

    synchronized byte[] array() {
        return bytes;
    }
}
