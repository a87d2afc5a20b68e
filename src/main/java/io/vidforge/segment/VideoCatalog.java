package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.vidforge.http.ApiException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Video metadata for playback, with an in-memory copy of ready videos so a playing session costs no
 * database query per segment.
 *
 * <p>A copy older than the TTL is still answered at once while one background read per video refreshes
 * it (stale while revalidating). So a playing session never waits for the database, and while the
 * database is out the videos a node has played keep playing from its cache: a failed refresh keeps the
 * last known ready video. (Waiting on the database instead held each request for the pool's 5 s timeout,
 * past nginx's 3 s read timeout, which then took every segment node out.) A ready video changes only when
 * a forced reprocess publishes a new ladder; a node may keep serving the old one (whose objects stay in
 * S3) for the TTL plus the refresh's read (the whole outage, while the database is out). A refresh that
 * has not answered in {@link #REFRESH_GIVE_UP} no longer blocks the next one (a stalled connection has no
 * query timeout). Videos that are not ready are not cached, so playback starts the moment the video is
 * published. A TTL of 0 reads the database on every request. A deleted video is {@link #forget forgotten}
 * by {@link DeletionWatch} within the TTL and then answers 410 VIDEO_DELETED.
 */
public final class VideoCatalog {
    private static final Logger LOG = Logger.getLogger(VideoCatalog.class.getName());
    private static final int MAX_VIDEOS = 10_000;
    static final Duration REFRESH_GIVE_UP = Duration.ofSeconds(30);

    private record Entry(Video video, long loadedNanos) {
    }

    /** How long an early ladder is reused: about one playlist reload of several players, well below one segment. */
    static final Duration EARLY_TTL = Duration.ofMillis(500);

    /** What a request plays: a ready video, or the early ladder of one still being encoded. */
    public record Playback(Video video, EarlyLadder early) {
        public boolean isEarly() {
            return early != null;
        }
    }

    private record EarlyEntry(EarlyLadder ladder, long loadedNanos) {
    }

    private final Function<String, Optional<Video>> lookup;
    private final Function<Video, Optional<EarlyLadder>> earlyLadders;
    // Video id -> its early ladder, briefly: a processing video changes with every accepted chunk.
    private final ConcurrentHashMap<String, EarlyEntry> early = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Cache<String, Entry> ready;
    // Video id -> when its refresh started: at most one refresh per video at a time.
    private final ConcurrentHashMap<String, Long> refreshing = new ConcurrentHashMap<>();

    public VideoCatalog(Function<String, Optional<Video>> lookup, Duration ttl) {
        this(lookup, v -> Optional.empty(), ttl, System::nanoTime);
    }

    /** @param earlyLadders the early ladder of a processing, playable video (docs/processing.md, "Playable early") */
    public VideoCatalog(Function<String, Optional<Video>> lookup, Function<Video, Optional<EarlyLadder>> earlyLadders,
                        Duration ttl) {
        this(lookup, earlyLadders, ttl, System::nanoTime);
    }

    VideoCatalog(Function<String, Optional<Video>> lookup, Duration ttl, LongSupplier nanoTime) {
        this(lookup, v -> Optional.empty(), ttl, nanoTime);
    }

    VideoCatalog(Function<String, Optional<Video>> lookup, Function<Video, Optional<EarlyLadder>> earlyLadders,
                 Duration ttl, LongSupplier nanoTime) {
        this.lookup = lookup;
        this.earlyLadders = earlyLadders;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
        this.ready = CacheBuilder.newBuilder().maximumSize(MAX_VIDEOS).build();
    }

    /** The ready video; 404 when there is none, 409 VIDEO_NOT_READY while it is being processed. */
    public Video ready(String videoId) {
        Entry known = ready.getIfPresent(videoId);
        if (known == null) {
            return load(videoId);
        }
        long now = nanoTime.getAsLong();
        if (now - known.loadedNanos() >= ttlNanos && claimRefresh(videoId, now)) {
            try {
                Thread.ofVirtual().name("catalog-refresh").start(() -> refresh(videoId, known, now));
            } catch (RuntimeException | OutOfMemoryError e) {
                refreshing.remove(videoId, now); // the next request tries again; this one has its copy
            }
        }
        return known.video();
    }

    /**
     * What a request that opted into early playback plays (a master with {@code ?early=true}, a variant
     * playlist URI an early master handed out, a segment): the ready video as {@link #ready} answers it, or,
     * while a chunked video is processing and playable, its {@link EarlyLadder} (reused for
     * {@link #EARLY_TTL}). A video that failed answers 409 VIDEO_FAILED with its reason, so a player that
     * started early stops with it; {@link #ready} keeps answering VIDEO_NOT_READY, as the contract's clients
     * know it.
     */
    public Playback playback(String videoId) {
        if (ready.getIfPresent(videoId) == null) {
            EarlyEntry e = early.get(videoId);
            long now = nanoTime.getAsLong();
            if (e != null && now - e.loadedNanos() < EARLY_TTL.toNanos()) {
                return new Playback(e.ladder().video(), e.ladder());
            }
            early.remove(videoId);
            Video v = lookup.apply(videoId).orElseThrow(() -> ApiException.notFound("There is no video " + videoId + "."));
            if (v.status() == VideoStatus.PROCESSING && v.playable()) {
                Optional<EarlyLadder> ladder = earlyLadders.apply(v);
                if (ladder.isPresent()) {
                    early.put(videoId, new EarlyEntry(ladder.get(), now));
                    if (early.size() > MAX_VIDEOS) {
                        early.clear(); // a bound, not a policy: entries live half a second anyway
                    }
                    return new Playback(ladder.get().video(), ladder.get());
                }
            }
            return new Playback(admit(videoId, v, true), null);
        }
        return new Playback(ready(videoId), null);
    }

    /** Drops the copy of a video (it was deleted): the next request reads the database and is refused. */
    public void forget(String videoId) {
        ready.invalidate(videoId);
        early.remove(videoId);
    }

    /** True when this request starts the video's refresh: none is running, or the running one gave up. */
    private boolean claimRefresh(String videoId, long now) {
        Long started = refreshing.putIfAbsent(videoId, now);
        return started == null
                || now - started >= REFRESH_GIVE_UP.toNanos() && refreshing.replace(videoId, started, now);
    }

    /** Background refreshes under way (tests wait for them). */
    int refreshing() {
        return refreshing.size();
    }

    private Video load(String videoId) {
        return admit(videoId, lookup.apply(videoId)
                .orElseThrow(() -> ApiException.notFound("There is no video " + videoId + ".")), false);
    }

    /**
     * The video if it is ready (then cached), else the error that says why it cannot be played. Only an early
     * request learns that the video failed (VIDEO_FAILED): without the opt-in a failed video is not ready, as
     * it always was.
     */
    private Video admit(String videoId, Video v, boolean early) {
        if (early && v.status() == VideoStatus.FAILED) {
            throw new ApiException(409, "VIDEO_FAILED", "Processing the video failed ("
                    + (v.errorCode() == null ? "unknown" : v.errorCode()) + (v.errorMessage() == null ? "" : ": "
                    + v.errorMessage()) + "); it cannot be played. POST /videos/" + videoId + "/process tries again.");
        }
        if (v.status() == VideoStatus.DELETED) {
            throw new ApiException(410, "VIDEO_DELETED", "The video " + videoId + " was deleted.");
        }
        if (!playable(v)) {
            throw new ApiException(409, "VIDEO_NOT_READY", "The video is " + v.status().id()
                    + "; it can be played once it is ready (GET /videos/" + videoId + " shows its progress).");
        }
        if (ttlNanos > 0) {
            ready.put(videoId, new Entry(v, nanoTime.getAsLong()));
        }
        return v;
    }

    private void refresh(String videoId, Entry known, long started) {
        try {
            Optional<Video> v = lookup.apply(videoId);
            // Only over the copy this refresh was for: a newer one (loaded after an eviction) stays.
            if (v.isPresent() && playable(v.get())) {
                ready.asMap().replace(videoId, known, new Entry(v.get(), nanoTime.getAsLong()));
            } else {
                ready.asMap().remove(videoId, known); // reprocessing or gone: the next request says so
            }
        } catch (RuntimeException e) {
            // The database is out: the last known ready video keeps playing; the next request after the TTL
            // tries again (at most one read per video at a time).
            LOG.log(Level.FINE, "refresh of video " + videoId + " failed; serving the last known copy", e);
        } finally {
            refreshing.remove(videoId, started);
        }
    }

    private static boolean playable(Video v) {
        return v.status() == VideoStatus.READY && v.variants() != null && !v.variants().isEmpty();
    }
}
