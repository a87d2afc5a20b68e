package io.vidforge.segment;

import io.vidforge.events.Events;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes a deleted video stop playing on this node within VIDEO_CACHE_SECONDS, even a video nobody asks
 * for any more: every half TTL one query asks the database for videos deleted since the last look (with
 * an overlap for clocks that differ between nodes); each is forgotten by the {@link VideoCatalog} (the
 * next request reads the tombstone and answers 410 VIDEO_DELETED) and its bytes leave the
 * {@link SegmentCache}. While the database is out the look fails and is retried: the node keeps serving
 * what it knew, as it does for every other video.
 */
final class DeletionWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DeletionWatch.class.getName());
    /** How far back each look reaches past the previous one: covers clock differences between nodes. */
    static final Duration OVERLAP = Duration.ofSeconds(60);

    private final LongFunction<List<String>> deletedSince;
    private final VideoCatalog catalog;
    private final SegmentCache cache;
    private final Events events;
    private final Clock clock;
    private final Duration period;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "deletion-watch");
        t.setDaemon(true);
        return t;
    });
    private long lastLook;

    DeletionWatch(LongFunction<List<String>> deletedSince, VideoCatalog catalog, SegmentCache cache, Events events,
                  Clock clock, Duration ttl) {
        this.deletedSince = deletedSince;
        this.catalog = catalog;
        this.cache = cache;
        this.events = events;
        this.clock = clock;
        long half = ttl.toMillis() / 2;
        this.period = Duration.ofMillis(Math.max(100, half == 0 ? 1000 : half));
        this.lastLook = clock.millis();
    }

    void start() {
        timer.scheduleWithFixedDelay(this::lookOnce, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One look; returns how many deleted videos it found (tests call it directly). */
    int lookOnce() {
        long now = clock.millis();
        try {
            List<String> ids = deletedSince.apply(lastLook - OVERLAP.toMillis());
            for (String id : ids) {
                catalog.forget(id);
                long bytes = cache.dropVideo(id);
                if (bytes > 0) {
                    events.event("VIDEO_CACHE_DROPPED").with("video_id", id).with("bytes", bytes).emit();
                }
            }
            lastLook = now;
            return ids.size();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "looking for deleted videos failed; trying again in " + period, e);
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
