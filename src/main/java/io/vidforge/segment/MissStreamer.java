package io.vidforge.segment;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * A whole-object GET that misses the cache: the origin read runs on its own virtual thread and the
 * request sends each range as soon as it has arrived (cut-through), instead of waiting for the whole
 * object and then sending it (store and forward, which added a full transfer time to every miss). It owns
 * the executor of those reads and shuts it down on {@link #close()}.
 */
final class MissStreamer implements AutoCloseable {
    /** {@link #stream}'s answer when it has sent the response itself. */
    static final SegmentCache.Lookup STREAMED =
            new SegmentCache.Lookup(CachedBytes.copyOf(new byte[0]), CacheOutcome.LOADED);

    private final SegmentCache cache;
    private final PlaybackEvents events;
    /** Origin reads of misses that are streamed to the client as they arrive (one virtual thread each). */
    private final ExecutorService loaders =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("origin-read-", 0).factory());

    MissStreamer(SegmentCache cache, PlaybackEvents events) {
        this.cache = cache;
        this.events = events;
    }

    /**
     * Streams {@code target} from the origin. Returns {@link #STREAMED} when it answered; otherwise the
     * finished lookup (it joined a read already running, the object was cached meanwhile, or the origin
     * cannot stream), which the caller answers as usual, or null once closed (the caller reads as usual).
     * {@code lengthKnown} runs once the object's length is known, before the first byte is written.
     */
    SegmentCache.Lookup stream(ServerResponse res, PlaybackTarget target, long t0, Runnable lengthKnown) {
        ProgressiveRead progress = new ProgressiveRead();
        CompletableFuture<SegmentCache.Lookup> load;
        try {
            load = CompletableFuture.supplyAsync(() -> cache.get(target.key(), progress), loaders);
        } catch (RejectedExecutionException closed) {
            return null;
        }
        load.whenComplete((l, e) -> progress.finish(e));
        int length;
        try {
            length = progress.awaitLength();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + target.key(), e);
        }
        if (length < 0) {
            try {
                return load.join(); // a failed read (404, 503) surfaces here, before anything was written
            } catch (CompletionException e) {
                if (e.getCause() instanceof StorageException se) {
                    throw PlaybackRoutes.notFoundOr(se, target.variant().name(), target.file());
                }
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        lengthKnown.run();
        res.header(PlaybackRoutes.X_CACHE, CacheOutcome.LOADED.cacheHeader());
        BodyWriter.fileHeaders(res, target.file().kind());
        res.contentLength(length);
        ResponseOutput out = ResponseOutput.open(res);
        SentBody sent = SentBody.whole(length);
        try (out) {
            // Pieces as a cached hit writes them: a small first one (Helidon copies it into one buffer with
            // the headers), then at most a chunk per write.
            int piece = CachedBytes.HEAD_BYTES;
            int written = 0;
            while (written < length) {
                int filled = progress.awaitBeyond(written);
                while (written < filled) {
                    int n = Math.min(filled - written, piece);
                    out.write(progress.array(), written, n);
                    written += n;
                    piece = CachedBytes.CHUNK_BYTES;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!SentBody.clientGone(e)) {
                throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
            }
            // The client left; the origin read goes on and fills the cache for the next request.
            sent = SentBody.cutShort(out.written(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + target.key(), e);
        }
        // This request published the read's progress, so it ran the origin read: a MISS that loaded.
        events.serve(target, target.file().kind(), CacheOutcome.LOADED, sent,
                Duration.ofNanos(System.nanoTime() - t0), new ByteRange.Whole(length), false);
        sent.closeIfCutShort();
        return STREAMED;
    }

    /** Takes no new reads; reads in flight finish (their requests are still being answered) and fill the cache. */
    @Override
    public void close() {
        loaders.shutdown();
    }
}
