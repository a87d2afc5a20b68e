package io.vidforge.segment;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.PathMatchers;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.http.ApiException;
import io.vidforge.http.DrainingRefusal;
import io.vidforge.http.Responses;
import io.vidforge.media.DashManifest;
import io.vidforge.media.MasterPlaylist;
import io.vidforge.media.Storyboard;
import io.vidforge.media.VariantPlaylist;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The playback routes: masters and DASH manifests that start sessions, each session's variant playlists, init and
 * media segments and its storyboard (seek-preview VTT and sprite) from the node-local cache, with read-ahead after every segment. Every answer (errors
 * included) carries CORS headers, so browsers running hls.js can read statuses, and {@code X-Node-Id},
 * because nginx cannot tell anyone which upstream it chose. A whole-object miss is streamed by
 * {@link MissStreamer}; every other body is written by {@link BodyWriter}.
 */
public final class PlaybackRoutes implements HttpService, AutoCloseable {
    static final HeaderName X_CACHE = HeaderNames.create("X-Cache");
    static final HeaderName X_NODE_ID = HeaderNames.create("X-Node-Id");
    static final HeaderName X_SESSION_ID = HeaderNames.create("X-Session-Id");
    static final HeaderName CMCD_REQUEST = HeaderNames.create("CMCD-Request");
    private static final HeaderName TIMING_ALLOW_ORIGIN = HeaderNames.create("Timing-Allow-Origin");
    private static final String EXPOSED = "Content-Length, Content-Range, Accept-Ranges, X-Cache, X-Node-Id, X-Session-Id";
    private static final String ALLOWED_HEADERS = "Range, CMCD-Request, CMCD-Object, CMCD-Session, CMCD-Status";
    private static final String METHODS = "GET, HEAD, OPTIONS";
    /** The query parameter that opts into early playback (docs/api.md, docs/processing.md "Playable early"). */
    static final String EARLY = "early";
    private static final String EARLY_MARKER = "?" + EARLY + "=true";

    private final String nodeId;
    private final DrainingRefusal draining; // nginx retries its refusals on another node: the session moves
    private final VideoCatalog catalog;
    private final SegmentCache cache;
    private final ReadAhead readAhead;
    private final PlaybackEvents events;
    private final SessionShaper shaper = new SessionShaper();
    private final MissStreamer misses;
    private final java.util.function.Function<String, Optional<String>> posters;
    private final java.util.function.Function<String, Optional<String>> publishedPrefixes;

    /**
     * @param posters           a ready video's poster key
     * @param publishedPrefixes a ready video's published prefix, where its master and DASH manifest are stored
     */
    public PlaybackRoutes(String nodeId, DrainingRefusal draining, VideoCatalog catalog, SegmentCache cache,
                          ReadAhead readAhead, PlaybackEvents events,
                          java.util.function.Function<String, Optional<String>> posters,
                          java.util.function.Function<String, Optional<String>> publishedPrefixes) {
        this.posters = posters;
        this.publishedPrefixes = publishedPrefixes;
        this.nodeId = nodeId;
        this.draining = draining;
        this.catalog = catalog;
        this.cache = cache;
        this.readAhead = readAhead;
        this.events = events;
        this.misses = new MissStreamer(cache, events);
    }

    @Override
    public void routing(HttpRules rules) {
        var getOrHead = Method.predicate(Method.GET, Method.HEAD);
        rules.post("/s/{session}/shape", guarded(this::shape))
                .route(getOrHead, PathMatchers.create("/play/{id}/poster.jpg"), guarded(this::poster))
                .route(getOrHead, PathMatchers.create("/play/{id}/master.m3u8"), guarded(newSession(this::master)))
                .route(getOrHead, PathMatchers.create("/s/{session}/{id}/master.m3u8"), guarded(chosenSession(this::master)))
                .route(getOrHead, PathMatchers.create("/play/{id}/manifest.mpd"), guarded(newSession(this::mpd)))
                .route(getOrHead, PathMatchers.create("/s/{session}/{id}/manifest.mpd"), guarded(chosenSession(this::mpd)))
                .route(getOrHead, PathMatchers.create("/play/{id}/" + Storyboard.VTT), guarded(newSession(this::storyboard)))
                .route(getOrHead, PathMatchers.create("/s/{session}/{id}/" + Storyboard.VTT), guarded(chosenSession(this::storyboard)))
                .route(getOrHead, PathMatchers.create("/s/{session}/{id}/" + Storyboard.SPRITE), guarded(chosenSession(this::sprite)))
                .route(getOrHead, PathMatchers.create("/s/{session}/{id}/{variant}/{file}"), guarded(this::variantFile))
                // Anything else under /s/ (wrong depth, or decoded slashes from a traversal attempt) is malformed.
                .route(getOrHead, PathMatchers.create("/s/*"), guarded(this::malformed))
                .options("/play/*", guarded(this::preflight))
                .options("/s/*", guarded(this::preflight))
                .any("/play/{id}/master.m3u8", guarded(PlaybackRoutes::methodNotAllowed))
                .any("/s/{session}/{id}/master.m3u8", guarded(PlaybackRoutes::methodNotAllowed))
                .any("/play/{id}/manifest.mpd", guarded(PlaybackRoutes::methodNotAllowed))
                .any("/s/{session}/{id}/manifest.mpd", guarded(PlaybackRoutes::methodNotAllowed))
                .any("/play/{id}/" + Storyboard.VTT, guarded(PlaybackRoutes::methodNotAllowed))
                .any("/s/{session}/{id}/" + Storyboard.VTT, guarded(PlaybackRoutes::methodNotAllowed))
                .any("/s/{session}/{id}/" + Storyboard.SPRITE, guarded(PlaybackRoutes::methodNotAllowed))
                .any("/s/{session}/{id}/{variant}/{file}", guarded(PlaybackRoutes::methodNotAllowed));
    }

    /**
     * Sets the common headers first, so every answer carries them (the central error handler keeps
     * headers already set), and answers refusals here so a 405 names this route's methods.
     */
    private Handler guarded(Handler h) {
        return (req, res) -> {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
            res.header(TIMING_ALLOW_ORIGIN, "*");
            res.header(X_NODE_ID, nodeId);
            try {
                h.handle(req, res);
            } catch (ApiException e) {
                if (!res.isSent()) {
                    if (e.status() == 405) {
                        res.header(HeaderNames.ALLOW, METHODS);
                    }
                    Responses.error(res, e.status(), e.code(), e.getMessage());
                }
            }
        };
    }

    private void preflight(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
        res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
        res.header(HeaderNames.ALLOW, METHODS);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void malformed(ServerRequest req, ServerResponse res) {
        draining.refuseIfDraining(req);
        throw ApiException.badRequest("INVALID_PLAYBACK_PATH", "Playback URLs are"
                + " /s/{session}/{video_id}/master.m3u8|manifest.mpd|storyboard.vtt|storyboard.jpg"
                + " and /s/{session}/{video_id}/{variant}/index.m3u8|init.mp4|seg_NNNNN.m4s.");
    }

    private static void methodNotAllowed(ServerRequest req, ServerResponse res) {
        throw new ApiException(405, "METHOD_NOT_ALLOWED",
                req.prologue().method().text() + " is not supported here; use GET or HEAD.");
    }

    /**
     * {@code POST /s/{session}/shape?kbps=N}: caps this session's segment throughput on this node
     * (0 removes the cap), so a player can demonstrate bitrate switching without browser tools.
     */
    private void shape(ServerRequest req, ServerResponse res) {
        String session = SessionIds.require(req.path().pathParameters().get("session"));
        long kbps;
        try {
            kbps = Long.parseLong(req.query().first("kbps").orElse(""));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("INVALID_RATE", "kbps must be a whole number of kilobits per second (0 removes the cap).");
        }
        if (kbps < 0 || kbps > 10_000_000) {
            throw ApiException.badRequest("INVALID_RATE", "kbps must be between 0 and 10000000.");
        }
        shaper.cap(session, kbps);
        events.shape(session, kbps);
        Responses.json(res, 200, java.util.Map.of("session_id", session, "kbps", kbps, "node_id", nodeId));
    }

    /** {@code /play/{id}/poster.jpg}: the poster image the probe extracted. */
    private void poster(ServerRequest req, ServerResponse res) {
        String videoId = PlaybackPaths.videoId(req.path().pathParameters().get("id"));
        catalog.ready(videoId);
        String key = posters.apply(videoId)
                .orElseThrow(() -> ApiException.notFound("Video " + videoId + " has no poster."));
        SegmentCache.Lookup found = cache.get(key);
        res.header(HeaderNames.CONTENT_TYPE, "image/jpeg");
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=86400");
        int length = found.body().length();
        if (isHead(req)) {
            res.contentLength(length);
            res.send();
        } else if (length > BodyWriter.DIRECT_WRITE_BYTES) {
            BodyWriter.writeChunks(res, found.body(), 0, length);
        } else {
            res.send(found.body().toArray());
        }
    }

    /** What starts (or continues) a playback session: the HLS master or the DASH manifest. */
    @FunctionalInterface
    private interface SessionEntry {
        void serve(ServerRequest req, ServerResponse res, String session, String videoId, long t0);
    }

    /** {@code /play/{id}/…[?session=S]}: a new session (or the one asked for), never a redirect. */
    private Handler newSession(SessionEntry entry) {
        return (req, res) -> {
            long t0 = System.nanoTime();
            draining.refuseIfDraining(req);
            String videoId = PlaybackPaths.videoId(req.path().pathParameters().get("id"));
            String session = req.query().first("session").map(SessionIds::require).orElseGet(SessionIds::newId);
            entry.serve(req, res, session, videoId, t0);
        };
    }

    /** {@code /s/{session}/{id}/…}: the same for a session the client chose. */
    private Handler chosenSession(SessionEntry entry) {
        return (req, res) -> {
            long t0 = System.nanoTime();
            draining.refuseIfDraining(req);
            String session = SessionIds.require(req.path().pathParameters().get("session"));
            String videoId = PlaybackPaths.videoId(req.path().pathParameters().get("id"));
            entry.serve(req, res, session, videoId, t0);
        };
    }

    /**
     * The master: the contract's (409 until {@code ready}) unless the client opted into early playback with
     * {@code ?early=true}. Then a playable video still processing gets the early ladder's master, whose variant
     * URIs carry {@code ?early=true} too: that marker, not node memory, is what makes a session's playlists
     * EVENT playlists, on whichever node serves them. A ready video gets the usual master either way.
     */
    private void master(ServerRequest req, ServerResponse res, String session, String videoId, long t0) {
        Video video;
        String marker = "";
        if (earlyRequested(req)) {
            VideoCatalog.Playback playback = catalog.playback(videoId);
            video = playback.video();
            if (playback.isEarly()) {
                events.startedEarly(session, videoId); // its SERVE lines say early=true, also after publish
                marker = EARLY_MARKER;
            }
        } else {
            video = catalog.ready(videoId);
        }
        String query = marker;
        byte[] body = MasterPlaylist.render(video.variants(),
                v -> PlaybackPaths.variantPlaylist(session, videoId, v.name()) + query).getBytes(StandardCharsets.UTF_8);
        res.header(X_SESSION_ID, session);
        ByteRange range = range(req, res, body.length);
        boolean head = isHead(req);
        if (!head) {
            readAhead.sessionStarted(session, videoId);
        }
        SentBody sent = BodyWriter.write(res, FileKind.MASTER, CachedBytes.copyOf(body), range, head, Optional.empty());
        events.serve(new PlaybackTarget(session, video, null, null), FileKind.MASTER, null, sent, since(t0), range,
                head);
        sent.closeIfCutShort();
    }

    /**
     * The MPD the publish step stored, through the node-local cache, with each Representation's BaseURL
     * pointed at this session's variant folder: its init and media segments are then the same session URLs
     * (and the same cache entries, read-ahead and SERVE lines) as the HLS playlists name.
     */
    private void mpd(ServerRequest req, ServerResponse res, String session, String videoId, long t0) {
        Video video = catalog.ready(videoId);
        String key = publishedPrefixes.apply(videoId).map(p -> p + DashManifest.FILE)
                .orElseThrow(() -> ApiException.notFound("Video " + videoId + " has no DASH manifest."));
        SegmentCache.Lookup stored;
        try {
            stored = cache.get(key);
        } catch (StorageException e) {
            if (e.notFound()) {
                // Published before DASH existed: reprocessing the video writes one.
                throw ApiException.notFound("Video " + videoId + " has no DASH manifest; it was published before"
                        + " DASH was, and gets one when it is reprocessed.");
            }
            throw e;
        }
        String text = new String(stored.body().toArray(), StandardCharsets.UTF_8);
        byte[] body = DashManifest.rebase(text, rep -> PlaybackPaths.variantFolder(session, videoId, rep))
                .getBytes(StandardCharsets.UTF_8);
        res.header(X_SESSION_ID, session);
        ByteRange range = range(req, res, body.length);
        boolean head = isHead(req);
        if (!head) {
            readAhead.sessionStarted(session, videoId);
        }
        SentBody sent = BodyWriter.write(res, FileKind.MPD, CachedBytes.copyOf(body), range, head, Optional.empty());
        events.serve(new PlaybackTarget(session, video, null, null), FileKind.MPD, stored.outcome(), sent, since(t0),
                range, head);
        sent.closeIfCutShort();
    }

    /**
     * The seek-preview VTT the probe stored beside the poster, through the node-local cache, with its cues
     * pointed at this session's sprite URL: the sprite then comes from the same node, session and log.
     */
    private void storyboard(ServerRequest req, ServerResponse res, String session, String videoId, long t0) {
        Video video = catalog.ready(videoId);
        SegmentCache.Lookup stored = storyboardObject(videoId, Storyboard.VTT);
        String text = new String(stored.body().toArray(), StandardCharsets.UTF_8);
        byte[] body = Storyboard.rebase(text, PlaybackPaths.storyboardSprite(session, videoId))
                .getBytes(StandardCharsets.UTF_8);
        res.header(X_SESSION_ID, session);
        ByteRange range = range(req, res, body.length);
        boolean head = isHead(req);
        SentBody sent = BodyWriter.write(res, FileKind.STORYBOARD, CachedBytes.copyOf(body), range, head,
                Optional.empty());
        events.serve(new PlaybackTarget(session, video, null, null), FileKind.STORYBOARD, stored.outcome(), sent,
                since(t0), range, head);
        sent.closeIfCutShort();
    }

    /** {@code /s/{session}/{id}/storyboard.jpg}: the sprite, paced like the session's segments. */
    private void sprite(ServerRequest req, ServerResponse res, String session, String videoId, long t0) {
        Video video = catalog.ready(videoId);
        SegmentCache.Lookup found = storyboardObject(videoId, Storyboard.SPRITE);
        ByteRange range = range(req, res, found.body().length());
        boolean head = isHead(req);
        res.header(X_CACHE, found.outcome().cacheHeader());
        SentBody sent = BodyWriter.write(res, FileKind.STORYBOARD_SPRITE, found.body(), range, head,
                shaper.pacer(session));
        events.serve(new PlaybackTarget(session, video, null, null), FileKind.STORYBOARD_SPRITE, found.outcome(), sent,
                since(t0), range, head);
        sent.closeIfCutShort();
    }

    private SegmentCache.Lookup storyboardObject(String videoId, String file) {
        String key = posters.apply(videoId).map(p -> Storyboard.besidePoster(p, file))
                .orElseThrow(() -> ApiException.notFound("Video " + videoId + " has no storyboard."));
        try {
            return cache.get(key);
        } catch (StorageException e) {
            if (e.notFound()) {
                // Processed before storyboards existed, or making one failed (it never fails the video).
                throw ApiException.notFound("Video " + videoId + " has no storyboard; reprocessing the video makes one.");
            }
            throw e;
        }
    }

    /** {@code /s/{session}/{id}/{variant}/index.m3u8|init.mp4|seg_NNNNN.m4s}. */
    private void variantFile(ServerRequest req, ServerResponse res) {
        long t0 = System.nanoTime();
        draining.refuseIfDraining(req);
        var params = req.path().pathParameters();
        String session = SessionIds.require(params.get("session"));
        String videoId = PlaybackPaths.videoId(params.get("id"));
        String variantName = PlaybackPaths.variantName(params.get("variant"));
        PlaybackFile file = PlaybackPaths.file(params.get("file"));
        // A playlist URI without the early marker: a session that did not start early, which gets the VOD
        // playlist of a ready video and the contract's 409 before. Init and media segments have no marker
        // (their URIs are relative to the playlist's): they are the same immutable bytes for every session.
        boolean earlyPlaylist = file.kind() == FileKind.PLAYLIST && earlyRequested(req);
        VideoCatalog.Playback playback = file.kind() == FileKind.PLAYLIST && !earlyPlaylist
                ? new VideoCatalog.Playback(catalog.ready(videoId), null) : catalog.playback(videoId);
        Video video = playback.video();
        Variant variant = playback.isEarly() ? playback.early().variantFor(variantName, file).orElse(null)
                : video.variant(variantName);
        if (variant == null) {
            if (playback.isEarly() && video.variant(variantName) != null) {
                throw ApiException.notFound("Segment " + file.name() + " of " + variantName + " is not encoded yet;"
                        + " the playlist lists only what is.");
            }
            throw ApiException.notFound("Video " + videoId + " has no variant " + variantName + ".");
        }
        if (earlyPlaylist) {
            events.startedEarly(session, videoId); // also on a node the session moved to
        }
        if (earlyPlaylist && playback.isEarly()) {
            eventPlaylist(req, res, new PlaybackTarget(session, video, variant, file),
                    playback.early().playlist(variantName), t0);
            return;
        }
        if (earlyPlaylist) {
            // The session began on the growing EVENT playlist: it gets the published segments as the end of
            // that playlist (same header, EXT-X-ENDLIST added), not a VOD playlist (RFC 8216 §6.2.1).
            PlaybackTarget target = new PlaybackTarget(session, video, variant, file);
            SegmentCache.Lookup stored;
            try {
                stored = cache.get(target.key());
            } catch (StorageException e) {
                throw notFoundOr(e, variantName, file);
            }
            VariantPlaylist published = VariantPlaylist.parse(new String(stored.body().toArray(), StandardCharsets.UTF_8));
            eventPlaylist(req, res, target, published.renderEventEnded(EarlyLadder.targetDuration(variant)), t0);
            return;
        }
        if (file.isSegment() && variant.segmentCount() > 0 && file.index() >= variant.segmentCount()) {
            throw ApiException.notFound("Variant " + variantName + " has " + variant.segmentCount() + " segments.");
        }
        PlaybackTarget target = new PlaybackTarget(session, video, variant, file);
        boolean head = isHead(req);
        SegmentCache.Lookup found = null;
        if (!head && !cache.contains(target.key()) && !req.headers().contains(HeaderNames.RANGE)
                && shaper.pacer(session).isEmpty()) {
            found = misses.stream(res, target, t0, () -> readAheadAfter(req, target));
            if (found == MissStreamer.STREAMED) {
                return;
            }
        }
        if (found == null) {
            try {
                found = cache.get(target.key());
            } catch (StorageException e) {
                throw notFoundOr(e, variantName, file);
            }
        }
        ByteRange range = range(req, res, found.body().length());
        if (!head) {
            // Before writing: a slow client must not delay the read of what it will ask for next.
            readAheadAfter(req, target);
        }
        res.header(X_CACHE, found.outcome().cacheHeader());
        // A response the client abandoned (a player giving up on a slow download) is logged too, as aborted.
        SentBody sent = BodyWriter.write(res, file.kind(), found.body(), range, head, shaper.pacer(session));
        events.serve(target, file.kind(), found.outcome(), sent, since(t0), range, head);
        sent.closeIfCutShort();
    }

    /** The growing EVENT playlist of a video playable before it is ready, rendered from its accepted chunks. */
    private void eventPlaylist(ServerRequest req, ServerResponse res, PlaybackTarget target, String text, long t0) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ByteRange range = range(req, res, body.length);
        boolean head = isHead(req);
        SentBody sent = BodyWriter.write(res, FileKind.EVENT_PLAYLIST, CachedBytes.copyOf(body), range, head,
                Optional.empty());
        events.serve(target, FileKind.EVENT_PLAYLIST, null, sent, since(t0), range, head);
        sent.closeIfCutShort();
    }

    /**
     * Whether the request opted into early playback: {@code early=true}; absent or {@code early=false} is the
     * contract's behaviour, any other value a 400 (a typo must not silently mean "not early").
     */
    static boolean earlyRequested(ServerRequest req) {
        if (!req.query().contains(EARLY)) {
            return false;
        }
        List<String> values = req.query().all(EARLY);
        if (values.stream().allMatch("true"::equals)) {
            return true;
        }
        if (values.stream().allMatch("false"::equals)) {
            return false;
        }
        throw ApiException.badRequest("INVALID_EARLY", "early must be true (play a video that is playable but not"
                + " yet ready, from its growing EVENT playlists) or false (the default: 409 until it is ready).");
    }

    static RuntimeException notFoundOr(StorageException e, String variantName, PlaybackFile file) {
        if (e.notFound()) {
            return ApiException.notFound("Variant " + variantName + " has no " + file.name() + ".");
        }
        return e;
    }

    private void readAheadAfter(ServerRequest req, PlaybackTarget target) {
        if (readAhead.enabled()) {
            readAhead.afterServe(target, hint(req, target));
        }
    }

    /** The CMCD next object, if it names a file of this session's video. */
    private static Optional<PlaybackTarget> hint(ServerRequest req, PlaybackTarget current) {
        // contains/get, not first(..): Helidon 4.4's first() goes through the global mapper registry on
        // every call, a measurable share of a cached hit's CPU (docs/performance.md).
        Optional<String> nor = CmcdHint.nextObject(req.query().contains("CMCD") ? req.query().get("CMCD") : null,
                req.headers().contains(CMCD_REQUEST) ? req.headers().get(CMCD_REQUEST).get() : null);
        if (nor.isEmpty()) {
            return Optional.empty();
        }
        return CmcdHint.resolve(req.path().rawPath(), nor.get())
                .filter(ref -> ref.sessionId().equals(current.sessionId())
                        && ref.videoId().equals(current.video().videoId()))
                .flatMap(ref -> {
                    Variant v = current.video().variant(ref.variant());
                    return v == null ? Optional.empty()
                            : Optional.of(new PlaybackTarget(current.sessionId(), current.video(), v, ref.file()));
                });
    }

    private static ByteRange range(ServerRequest req, ServerResponse res, long length) {
        ByteRange r = ByteRange.parse(req.headers().contains(HeaderNames.RANGE)
                ? req.headers().get(HeaderNames.RANGE).get() : null, length);
        if (r instanceof ByteRange.Unsatisfiable u) {
            res.header(HeaderNames.CONTENT_RANGE, u.contentRange());
            throw new ApiException(416, "RANGE_NOT_SATISFIABLE",
                    "The requested range is outside the object's " + length + " bytes.");
        }
        return r;
    }

    /** Stops the miss streamer's origin reads from starting; reads in flight finish. */
    @Override
    public void close() {
        misses.close();
    }

    private static boolean isHead(ServerRequest req) {
        return req.prologue().method() == Method.HEAD;
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
