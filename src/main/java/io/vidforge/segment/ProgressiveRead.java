package io.vidforge.segment;

/**
 * The bytes of one origin read as they arrive: the loading thread {@link #begin}s with the final array
 * (the one the cache will hold) and {@link #advance}s; the request that caused the miss follows and
 * writes each newly filled range to its client, so a miss costs about one origin read instead of an
 * origin read plus a full second transfer (store and forward). The loader never waits for the client:
 * a slow client cannot delay the cache fill other requests wait on.
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

    /** Waits until more than {@code from} bytes are filled; returns the filled length. */
    synchronized int awaitBeyond(int from) throws InterruptedException {
        while (filled <= from && !done) {
            wait();
        }
        // filled may be ahead of what woke us; that is fine, it is all final
        if (filled <= from) {
            throw new IllegalStateException("the origin read ended after " + filled + " of " + bytes.length
                    + " bytes", failure);
        }
        return filled;
    }

    synchronized byte[] array() {
        return bytes;
    }
}
