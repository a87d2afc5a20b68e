package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.vidforge.model.Variant;
import io.vidforge.storage.StorageException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Mandatory read-ahead: after serving segment k of a variant, segments k+1..k+depth are read into the
 * cache in the background, or the object a CMCD {@code nor} hint names (and the ones after it) when the
 * player sent one. Serving a variant's playlist or init segment reads ahead the init segment and the
 * segment the session will ask for next in that variant: segment 0 for a session that starts there, k+1
 * for a session that switches variant after segment k (trigger {@code start}). Work runs on a small
 * bounded executor that drops what does not fit, because a prefetch is only an optimisation: the request
 * that triggered it never waits for it, and under overload the node must shed read-ahead before it sheds
 * requests.
 *
 * <p>Every prefetch that is considered gets one PREFETCH_START and exactly one PREFETCH_RESULT with the
 * same {@code prefetch_id}; past the last segment there is only a PREFETCH_RESULT NO_NEXT_SEGMENT.
 */
public final class ReadAhead implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReadAhead.class.getName());
    static final String TRIGGER_NEXT = "next";
    static final String TRIGGER_CMCD = "cmcd";
    static final String TRIGGER_START = "start";
    private static final int MAX_TRACKED_SESSIONS = 100_000;
    private static final Duration POSITION_IDLE = Duration.ofMinutes(30);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);

    private final SegmentCache cache;
    private final PlaybackEvents events;
    private final int depth;
    private final ThreadPoolExecutor executor;
    private final AtomicLong ids = new AtomicLong();
    // Keys queued or being read by a prefetch: a second trigger for one of them is IN_FLIGHT, not queued again.
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    // The last segment index each (session, video) was served here. Bounded: a forgotten session only
    // costs a start read-ahead of segment 0 instead of k+1 when it next asks for a playlist.
    private final Cache<String, Integer> positions = CacheBuilder.newBuilder()
            .maximumSize(MAX_TRACKED_SESSIONS).expireAfterAccess(POSITION_IDLE).build();

    public ReadAhead(SegmentCache cache, PlaybackEvents events, int depth, int threads, int queueSize,
                     String nodeId) {
        this.cache = cache;
        this.events = events;
        this.depth = depth;
        BlockingQueue<Runnable> queue = queueSize == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueSize);
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, queue,
                threadFactory(nodeId), new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * The session (re)starts the video from its master playlist: forget where it was, so its first
     * playlist reads segment 0 ahead rather than the segment after where an earlier playback stopped.
     */
    public void sessionStarted(String sessionId, String videoId) {
        positions.invalidate(positionKey(sessionId, videoId));
    }

    /** Starts the prefetch threads so the first read-ahead pays no thread start-up. */
    public void start() {
        if (depth > 0) {
            executor.prestartAllCoreThreads();
        }
    }

    /** False when {@code PREFETCH_DEPTH=0} turned read-ahead off. */
    public boolean enabled() {
        return depth > 0;
    }

    /**
     * Schedules read-ahead after {@code served} was answered; returns at once. {@code hint} is the
     * validated CMCD next object of the same session and video, if the player sent one. With depth 0
     * (read-ahead off) it does nothing.
     */
    public void afterServe(PlaybackTarget served, Optional<PlaybackTarget> hint) {
        if (depth == 0) {
            return; // off: nothing is read ahead and nothing is logged, whatever the player hints
        }
        Integer triggerSegment = served.file().segmentOrNull();
        if (served.file().isSegment()) {
            positions.put(positionKey(served.sessionId(), served.video().videoId()), served.file().index());
        }
        if (hint.isPresent()) {
            PlaybackTarget next = hint.get();
            if (!next.file().isSegment()) {
                schedule(next, TRIGGER_CMCD, triggerSegment);
            } else {
                scheduleRun(next, next.file().index(), TRIGGER_CMCD, triggerSegment);
            }
        } else if (served.file().isSegment()) {
            scheduleRun(served, served.file().index() + 1, TRIGGER_NEXT, triggerSegment);
        } else {
            atStart(served);
        }
    }

    /**
     * A playlist or init segment was served: the player is starting this variant (or switching to it)
     * and asks for the init segment and then the segment after the last one it has. Reading those now
     * overlaps them with the player parsing the playlist, so the first segment of a session or a switch
     * is not a guaranteed miss.
     */
    private void atStart(PlaybackTarget served) {
        if (served.file().kind() == FileKind.PLAYLIST) {
            schedule(served.withFile(PlaybackFile.INIT), TRIGGER_START, null);
        }
        Integer last = positions.getIfPresent(positionKey(served.sessionId(), served.video().videoId()));
        scheduleRun(served, last == null ? 0 : last + 1, TRIGGER_START, null);
    }

    private static String positionKey(String sessionId, String videoId) {
        return sessionId + '/' + videoId; // session ids never contain '/'
    }

    /** Segments {@code first..first+depth-1} of the target's variant, stopping after the last one. */
    private void scheduleRun(PlaybackTarget base, int first, String trigger, Integer triggerSegment) {
        for (int i = first; i < first + depth; i++) {
            if (pastEnd(base.variant(), i)) {
                long id = ids.incrementAndGet();
                events.prefetchResult(id, base.withFile(null), trigger, triggerSegment,
                        PrefetchResult.NO_NEXT_SEGMENT, null, Duration.ZERO, null);
                return;
            }
            schedule(base.withFile(PlaybackFile.segment(i)), trigger, triggerSegment);
        }
    }

    /** A variant without a known segment count is bounded by the origin (a 404 is NO_NEXT_SEGMENT). */
    private static boolean pastEnd(Variant v, int index) {
        return index > 99_999 || v.segmentCount() > 0 && index >= v.segmentCount();
    }

    private void schedule(PlaybackTarget target, String trigger, Integer triggerSegment) {
        long id = ids.incrementAndGet();
        long started = System.nanoTime();
        events.prefetchStart(id, target, trigger, triggerSegment);
        String key = target.key();
        // Cheap checks on the calling thread, so a full executor does not turn them into SKIPPED_OVERLOAD.
        if (cache.contains(key)) {
            finish(id, target, trigger, triggerSegment, PrefetchResult.ALREADY_CACHED, null, started, null);
            return;
        }
        if (cache.isLoading(key) || !scheduled.add(key)) {
            finish(id, target, trigger, triggerSegment, PrefetchResult.IN_FLIGHT, null, started, null);
            return;
        }
        try {
            executor.execute(new Task(id, target, trigger, triggerSegment, started));
        } catch (RejectedExecutionException e) {
            scheduled.remove(key);
            finish(id, target, trigger, triggerSegment, PrefetchResult.SKIPPED_OVERLOAD, null, started, null);
        }
    }

    private void fetch(long id, PlaybackTarget target, String trigger, Integer triggerSegment, long started) {
        String key = target.key();
        PrefetchResult result;
        Long bytes = null;
        String error = null;
        try {
            SegmentCache.Lookup l = cache.get(key);
            result = switch (l.outcome()) {
                case LOADED -> PrefetchResult.FETCHED;
                case HIT -> PrefetchResult.ALREADY_CACHED;
                case JOINED -> PrefetchResult.IN_FLIGHT;
            };
            bytes = result == PrefetchResult.FETCHED ? (long) l.body().length() : null;
        } catch (StorageException e) {
            result = e.notFound() && target.file().isSegment() ? PrefetchResult.NO_NEXT_SEGMENT : PrefetchResult.FAILED;
            error = result == PrefetchResult.FAILED ? e.getMessage() : null;
        } catch (RuntimeException e) {
            result = PrefetchResult.FAILED;
            error = e.toString();
            LOG.log(Level.WARNING, "prefetch of " + key + " failed", e);
        } finally {
            scheduled.remove(key);
        }
        finish(id, target, trigger, triggerSegment, result, bytes, started, error);
    }

    private void finish(long id, PlaybackTarget target, String trigger, Integer triggerSegment, PrefetchResult r,
                        Long bytes, long started, String error) {
        events.prefetchResult(id, target, trigger, triggerSegment, r, bytes,
                Duration.ofNanos(System.nanoTime() - started), error);
    }

    /** Prefetches queued or running now (for tests and diagnostics). */
    public int pending() {
        return executor.getQueue().size() + executor.getActiveCount();
    }

    /** Lets running reads finish briefly; queued ones are dropped (their results say SKIPPED_OVERLOAD). */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                List<Runnable> dropped = executor.shutdownNow();
                for (Runnable r : dropped) {
                    if (r instanceof Task t) {
                        t.dropped();
                    }
                }
                LOG.info("dropped " + dropped.size() + " queued prefetches at shutdown");
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** A queued prefetch; a named class so shutdown can still log the ones it drops. */
    private final class Task implements Runnable {
        private final long id;
        private final PlaybackTarget target;
        private final String trigger;
        private final Integer triggerSegment;
        private final long started;

        Task(long id, PlaybackTarget target, String trigger, Integer triggerSegment, long started) {
            this.id = id;
            this.target = target;
            this.trigger = trigger;
            this.triggerSegment = triggerSegment;
            this.started = started;
        }

        @Override
        public void run() {
            fetch(id, target, trigger, triggerSegment, started);
        }

        void dropped() {
            scheduled.remove(target.key());
            finish(id, target, trigger, triggerSegment, PrefetchResult.SKIPPED_OVERLOAD, null, started, "shutdown");
        }
    }

    private static ThreadFactory threadFactory(String nodeId) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "prefetch-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
