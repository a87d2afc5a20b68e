package io.vidforge.bucket;

import io.vidforge.bucket.ObjectReferences.Reason;
import io.vidforge.db.Sql;
import io.vidforge.db.VideoRefs;
import io.vidforge.db.VideoRepository;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * fsck: the bucket against the database, read-only, safe on a live cluster. What the database refers to
 * is read before the bucket is listed, so an object that goes missing during the listing is seen as
 * missing only if a second look (the row now, the object now) agrees: a video deleted and collected in
 * between is not data loss. Orphans are classified with references read after the listing (an upload
 * committed meanwhile is not an orphan), and counted by age, so the ones younger than the clean-up's grace
 * period read as work in flight.
 */
public final class BucketCheck {
    /** One referenced object that is not in the bucket: data loss. */
    public record Missing(String key, String videoId, String what) {
    }

    /** One orphan: an object nothing live refers to. */
    public record Orphan(String key, long bytes, long ageSeconds, String reason) {
    }

    /** Objects and bytes of one category (a reason, referenced or not). */
    public static final class Tally {
        public long objects;
        public long bytes;
    }

    public record Report(long objects, long bytes, List<Missing> missing, List<Orphan> orphans,
                         Map<String, Tally> byCategory, long orphansPastGrace, Duration grace,
                         Optional<String> deploymentProblem) {
        public boolean dataLoss() {
            return !missing.isEmpty();
        }
    }

    private final ObjectStore store;
    private final Sql sql;
    private final VideoRepository videos;
    private final Clock clock;
    private final Duration grace;

    public BucketCheck(ObjectStore store, Sql sql, VideoRepository videos, Clock clock, Duration grace) {
        this.store = store;
        this.sql = sql;
        this.videos = videos;
        this.clock = clock;
        this.grace = grace;
    }

    public Report run(Optional<String> deploymentProblem) {
        ObjectReferences before = ObjectReferences.load(videos, sql);
        Map<String, ObjectStore.StoredObject> listed = new HashMap<>();
        store.forEachObject("", o -> listed.put(o.key(), o));
        ObjectReferences after = ObjectReferences.load(videos, sql);
        long now = clock.millis();

        List<Missing> missing = new ArrayList<>();
        for (VideoRefs v : before.videos().values()) {
            for (Missing m : expected(v)) {
                if (!listed.containsKey(m.key()) && stillMissing(m)) {
                    missing.add(m);
                }
            }
        }
        List<Orphan> orphans = new ArrayList<>();
        Map<String, Tally> byCategory = new TreeMap<>();
        long bytes = 0;
        long pastGrace = 0;
        for (ObjectStore.StoredObject o : listed.values()) {
            Reason r = after.classify(o.key());
            Tally t = byCategory.computeIfAbsent(r.id(), k -> new Tally());
            t.objects++;
            t.bytes += o.size();
            bytes += o.size();
            if (!r.referenced()) {
                long age = Math.max(0, (now - o.modifiedAt()) / 1000);
                orphans.add(new Orphan(o.key(), o.size(), age, r.id()));
                if (age >= grace.toSeconds()) {
                    pastGrace++;
                }
            }
        }
        orphans.sort((a, b) -> Long.compare(b.ageSeconds(), a.ageSeconds()));
        missing.sort((a, b) -> a.key().compareTo(b.key()));
        return new Report(listed.size(), bytes, missing, orphans, byCategory, pastGrace, grace, deploymentProblem);
    }

    /** Every object a live video needs: its raw upload and, once published, every playlist, segment and its poster. */
    static List<Missing> expected(VideoRefs v) {
        List<Missing> keys = new ArrayList<>();
        if (!v.status().live()) {
            return keys;
        }
        keys.add(new Missing(v.rawKey(), v.videoId(), "raw upload"));
        if (v.publishedPrefix() != null) {
            keys.add(new Missing(v.publishedPrefix() + "master.m3u8", v.videoId(), "master playlist"));
            for (Variant variant : v.variants()) {
                keys.add(new Missing(variant.prefix() + "index.m3u8", v.videoId(), variant.name() + " playlist"));
                keys.add(new Missing(variant.prefix() + "init.mp4", v.videoId(), variant.name() + " init segment"));
                for (int i = 0; i < variant.segmentCount(); i++) {
                    keys.add(new Missing(variant.prefix() + String.format(Locale.ROOT, "seg_%05d.m4s", i), v.videoId(),
                            variant.name() + " segment " + i));
                }
            }
            if (v.posterKey() != null) {
                keys.add(new Missing(v.posterKey(), v.videoId(), "poster"));
            }
        }
        return keys;
    }

    /** The second look: the row still needs the object, and the object is still not there. */
    private boolean stillMissing(Missing m) {
        Optional<VideoRefs> now = videos.refs(m.videoId());
        return now.isPresent() && expected(now.get()).contains(m) && !store.exists(m.key());
    }
}
