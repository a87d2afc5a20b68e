package io.vidforge.upload;

import io.vidforge.events.Events;
import io.vidforge.http.ApiException;
import java.util.concurrent.Semaphore;

/**
 * Caps how many upload bodies one upload node streams at once. Each one holds a part buffer of
 * {@code UPLOAD_PART_BYTES} while it goes to S3, so without a cap enough concurrent uploads exhaust the
 * heap; with it, the extra ones are refused at once with 503 {@code UPLOADS_BUSY} and a Retry-After
 * before any byte is stored, which loses nothing: a client retries after that delay, and a tus client
 * resumes the PATCH from the offset it has. (nginx cannot send a streamed POST to another node.)
 */
public final class UploadSlots {
    /** Seconds a refused client is told to wait; short, because uploads finish at S3 speed. */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Semaphore slots;
    private final int limit;
    private final Events events;

    public UploadSlots(int limit, Events events) {
        if (limit < 1) {
            throw new IllegalArgumentException("MAX_CONCURRENT_UPLOADS must be at least 1, not " + limit);
        }
        this.limit = limit;
        this.slots = new Semaphore(limit);
        this.events = events;
    }

    /** One held slot; closing it gives the slot back. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * @param path what is being uploaded, for the log line
     * @throws ApiException 503 UPLOADS_BUSY when every slot is taken
     */
    public Slot acquire(String path) {
        if (!slots.tryAcquire()) {
            events.event("UPLOAD_REFUSED").with("reason", "too_many_uploads").with("limit", limit)
                    .with("path", path).emit();
            throw new ApiException(503, "UPLOADS_BUSY", "This upload node is already receiving " + limit
                    + " uploads; retry in a few seconds (nothing of this request was stored).")
                    .retryAfter(RETRY_AFTER_SECONDS);
        }
        return new Slot() {
            private boolean released;

            @Override
            public synchronized void close() {
                if (!released) {
                    released = true;
                    slots.release();
                }
            }
        };
    }

    public int inUse() {
        return limit - slots.availablePermits();
    }

    public int limit() {
        return limit;
    }
}
