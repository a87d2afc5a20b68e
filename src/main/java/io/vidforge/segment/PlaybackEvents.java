package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.vidforge.events.Events;
import io.vidforge.model.VideoStatus;
import java.time.Duration;

/**
 * The segment role's event-log lines (CONTRACT.md "Event logs"): SERVE, PREFETCH_START and
 * PREFETCH_RESULT, with the field names in one place. {@code node_id}, {@code role} and {@code ts} are
 * added by the event log.
 */
public final class PlaybackEvents {
    /** Sessions remembered as started early: enough for every session of a busy node over the window. */
    private static final int EARLY_SESSIONS = 100_000;
    private static final Duration EARLY_WINDOW = Duration.ofHours(6);

    private final Events events;
    // "session/video" of sessions that started early (this node served their early master or an early=true
    // playlist). Only for the log: their SERVE lines say early=true, also after the video is published.
    // Which playlist a session gets is decided by its URI's early=true marker, not by this memory.
    private final Cache<String, Boolean> earlySessions = CacheBuilder.newBuilder().maximumSize(EARLY_SESSIONS)
            .expireAfterAccess(EARLY_WINDOW).build();

    public PlaybackEvents(Events events) {
        this.events = events;
    }

    /** Whether this node served the session an early master or early playlist. */
    boolean isEarly(String sessionId, String videoId) {
        return earlySessions.getIfPresent(sessionId + "/" + videoId) != null;
    }

    /** The session started playing the video before it was ready (from its early ladder). */
    void startedEarly(String sessionId, String videoId) {
        earlySessions.put(sessionId + "/" + videoId, Boolean.TRUE);
    }

    /** A session's server-side throughput cap was set (kbps > 0) or removed (0). */
    public void shape(String sessionId, long kbps) {
        events.event("SHAPE").with("session_id", sessionId).with("kbps", kbps).emit();
    }

    /**
     * One answered playback request (200 or 206). {@code target.variant()} is null for masters. A response
     * the client abandoned mid-body has {@code "aborted":true} and the bytes handed to the socket by then.
     */
    void serve(PlaybackTarget target, FileKind kind, CacheOutcome outcome, SentBody sent, Duration took,
               ByteRange range, boolean head) {
        boolean early = target.video().status() != VideoStatus.READY
                || isEarly(target.sessionId(), target.video().videoId());
        Events.Event e = base("SERVE", target, kind)
                .with("early", early ? true : null)
                // Served from the accepted chunks, before the video was published.
                .with("processing", target.video().status() != VideoStatus.READY ? true : null)
                .with("cache", outcome == null ? null : outcome.cacheHeader())
                // A MISS that waited on another read (often this session's own prefetch) says so.
                .with("load", outcome == CacheOutcome.JOINED ? "JOINED" : null)
                .with("bytes", sent.bytes())
                .with("aborted", sent.complete() ? null : true)
                .with("duration_ms", millis(took));
        if (range instanceof ByteRange.Part p) {
            e.with("status", 206).with("range", p.contentRange());
        }
        if (head) {
            e.with("method", "HEAD");
        }
        e.emit();
    }

    public void prefetchStart(long prefetchId, PlaybackTarget target, String trigger, Integer triggerSegment) {
        base("PREFETCH_START", target, kindOf(target))
                .with("prefetch_id", prefetchId)
                .with("trigger", trigger)
                .with("trigger_segment", triggerSegment)
                .emit();
    }

    public void prefetchResult(long prefetchId, PlaybackTarget target, String trigger, Integer triggerSegment,
                               PrefetchResult result, Long bytes, Duration took, String error) {
        base("PREFETCH_RESULT", target, kindOf(target))
                .with("prefetch_id", prefetchId)
                .with("trigger", trigger)
                .with("trigger_segment", triggerSegment)
                .with("result", result.name())
                .with("bytes", bytes)
                .with("duration_ms", millis(took))
                .with("error", error)
                .emit();
    }

    /** A NO_NEXT_SEGMENT result has no file: it is about the segment after the last. */
    private static FileKind kindOf(PlaybackTarget t) {
        return t.file() == null ? FileKind.SEGMENT : t.file().kind();
    }

    private Events.Event base(String name, PlaybackTarget t, FileKind kind) {
        Events.Event e = events.event(name)
                .with("video_id", t.video().videoId())
                .with("session_id", t.sessionId());
        if (t.variant() != null) {
            // The audio rendition is logged like a variant (variant "audio"), without a picture size.
            e.with("variant", t.variant().name())
                    .with("bandwidth", t.variant().bandwidth())
                    .with("resolution", t.variant().isAudio() ? null : t.variant().resolution());
        }
        return e.with("kind", kind.logName())
                .with("segment", t.file() == null ? null : t.file().segmentOrNull());
    }

    /** Milliseconds with microsecond resolution: cached serves take well under one millisecond. */
    static double millis(Duration d) {
        return Math.round(d.toNanos() / 1_000.0) / 1_000.0;
    }
}
