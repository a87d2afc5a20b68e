package io.vidforge.orchestrator;

import com.google.common.util.concurrent.RateLimiter;
import io.vidforge.bucket.GcSettings;
import io.vidforge.bucket.ObjectReferences;
import io.vidforge.bucket.ObjectReferences.Reason;
import io.vidforge.db.ObjectMarks;
import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;
import io.vidforge.events.Events;
import io.vidforge.storage.ObjectStore;
import java.time.Clock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The storage clean-up, one pass at a time (the leading orchestrator runs one every GC_INTERVAL_SECONDS).
 * A pass first finishes sweeps a crash interrupted, then sweeps the marks of earlier passes, then marks
 * what it finds unreferenced now and older than GC_GRACE_SECONDS. So an object goes only after two passes
 * saw it unreferenced, and the sweep asks the database a last time, in the transaction that moves the mark
 * to SWEEPING: whatever starts referring to the object again meets that row ({@link ObjectMarks}).
 */
public final class StorageCollector {
    private static final Logger LOG = Logger.getLogger(StorageCollector.class.getName());

    /** What one pass did. */
    public record Pass(int marked, int deleted, int unmarked, long deletedBytes) {
    }

    private final ObjectStore store;
    private final Sql sql;
    private final VideoRepository videos;
    private final ObjectMarks marks;
    private final GcSettings settings;
    private final Events events;
    private final Clock clock;
    private final RateLimiter pace;

    public StorageCollector(ObjectStore store, Sql sql, VideoRepository videos, GcSettings settings, Events events,
                            Clock clock) {
        this.store = store;
        this.sql = sql;
        this.videos = videos;
        this.marks = new ObjectMarks(sql);
        this.settings = settings;
        this.events = events;
        this.clock = clock;
        this.pace = RateLimiter.create(settings.deletesPerSecond());
    }

    public Pass runPass() {
        long passStart = clock.millis();
        int[] counts = new int[3];
        long[] bytes = {0};
        for (ObjectMarks.Mark m : marks.sweeping(settings.batch())) {
            delete(m, counts, bytes); // decided by a pass that died before the delete
        }
        for (ObjectMarks.Mark m : marks.due(passStart - 1, settings.batch())) {
            try {
                if (decide(m)) {
                    delete(m, counts, bytes);
                } else {
                    counts[2]++;
                    events.event("GC_UNMARKED").with("key", m.objectKey()).with("reason", m.reason())
                            .with("bytes", m.sizeBytes()).emit();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not sweep " + m.objectKey() + "; next pass: " + e.getMessage());
            }
        }
        counts[0] = mark(passStart);
        return new Pass(counts[0], counts[1], counts[2], bytes[0]);
    }

    /**
     * The last look: MARKED → SWEEPING only if nothing refers to the object now; else the mark goes.
     * Package-private so a test can run it on a mark claimed between the listing and this look, a race a
     * whole pass cannot be made to lose on purpose.
     */
    boolean decide(ObjectMarks.Mark m) {
        return sql.inTransaction(c -> {
            if (!ObjectMarks.beginSweep(c, m.objectKey())) {
                return false; // claimed for a new reference since the mark
            }
            if (ObjectReferences.classifyNow(c, videos, m.objectKey()).referenced()) {
                ObjectMarks.remove(c, m.objectKey());
                return false;
            }
            return true;
        });
    }

    private void delete(ObjectMarks.Mark m, int[] counts, long[] bytes) {
        pace.acquire();
        try {
            store.delete(m.objectKey());
            marks.remove(m.objectKey());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not delete " + m.objectKey() + "; next pass: " + e.getMessage());
            return;
        }
        counts[1]++;
        bytes[0] += m.sizeBytes();
        events.event("GC_DELETED").with("key", m.objectKey()).with("bytes", m.sizeBytes()).with("reason", m.reason())
                .with("marked_at_ms", m.markedAt()).emit();
    }

    /**
     * Marks orphans older than the grace period, at most a batch per pass. The references are read before
     * the listing: an object whose row appears in between is marked by mistake at worst, and the sweep's
     * last look in the database unmarks it.
     */
    private int mark(long now) {
        ObjectReferences refs = ObjectReferences.load(videos, sql);
        long graceEnd = now - settings.grace().toMillis();
        int[] marked = {0};
        store.forEachObject("", o -> {
            if (marked[0] >= settings.batch() || o.modifiedAt() > graceEnd) {
                return;
            }
            Reason reason = refs.classify(o.key());
            if (!reason.referenced() && marks.mark(o.key(), reason.id(), o.size(), o.modifiedAt(), now)) {
                marked[0]++;
                events.event("GC_MARKED").with("key", o.key()).with("bytes", o.size()).with("reason", reason.id())
                        .with("age_s", (now - o.modifiedAt()) / 1000).emit();
            }
        });
        return marked[0];
    }
}
