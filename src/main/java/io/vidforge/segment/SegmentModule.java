package io.vidforge.segment;

import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.helidon.webserver.staticcontent.StaticContentService;
import io.vidforge.config.Role;
import io.vidforge.metrics.NodeMetrics;
import io.vidforge.tasks.TaskRepository;

/**
 * The segment role of a node: playback routes over a byte-bounded node-local cache of S3 objects, with
 * read-ahead on a small bounded executor. It keeps no session state, so nginx may send any session to
 * any segment node.
 */
public final class SegmentModule implements RoleModule {
    private final SegmentSettings settings;
    private final SegmentCache cache;
    private final ReadAhead readAhead;
    private final PlaybackRoutes service;
    private final DeletionWatch deletions;
    private final SegmentWarmup warmup;

    public SegmentModule(Platform platform) {
        this(platform, new S3Origin(platform.store()));
    }

    /** With another origin: the seam tests use to count or slow down origin reads. */
    public SegmentModule(Platform platform, Origin origin) {
        this.settings = SegmentSettings.from(platform.settings());
        PlaybackEvents events = new PlaybackEvents(platform.events(Role.SEGMENT));
        this.cache = new SegmentCache(origin, settings.cacheBytes());
        this.readAhead = new ReadAhead(cache, events, settings.prefetchDepth(), settings.prefetchThreads(),
                settings.prefetchQueue(), platform.nodeId());
        TaskRepository tasks = new TaskRepository(platform.sql());
        VideoCatalog catalog = new VideoCatalog(platform.videos()::find,
                v -> EarlyLadder.of(v, tasks.acceptedEncodes(v.videoId(), v.generation()),
                        key -> cache.get(key).body().toArray()),
                settings.videoCacheTtl());
        this.service = new PlaybackRoutes(platform.nodeId(), platform.drainingRefusal(), catalog, cache, readAhead,
                events, platform.videos()::posterKey, platform.videos()::publishedPrefix);
        this.deletions = new DeletionWatch(platform.videos()::deletedSince, catalog, cache,
                platform.events(Role.SEGMENT), platform.clock(), settings.videoCacheTtl());
        this.warmup = new SegmentWarmup(settings.warmup(), platform.events(Role.SEGMENT));
    }

    @Override
    public void routing(HttpRouting.Builder routing) {
        routing.register(service);
        // The player page ships in the jar (player/ in the repository); no CDN.
        routing.register("/player", StaticContentService.builder("player").welcomeFileName("index.html").build());
    }

    @Override
    public void metrics(NodeMetrics metrics) {
        metrics.gauge("vidforge_cache_weight_bytes", "Bytes held by the node-local segment cache.",
                () -> (double) cache.weightBytes());
        metrics.gauge("vidforge_cache_max_bytes", "The node-local segment cache's bound (CACHE_BYTES).",
                () -> (double) cache.maxBytes());
        metrics.gauge("vidforge_cache_entries", "Objects held by the node-local segment cache.",
                () -> (double) cache.entries());
        metrics.gauge("vidforge_prefetch_pending", "Read-ahead reads queued or running.",
                () -> (double) readAhead.pending());
    }

    @Override
    public void start() {
        readAhead.start();
        deletions.start();
        warmup.start();
    }

    /** Stops read-ahead and new origin reads of misses; requests still in flight are answered without them. */
    @Override
    public void close() {
        warmup.close();
        deletions.close();
        readAhead.close();
        service.close();
    }

    public SegmentSettings settings() {
        return settings;
    }

    /** The node-local cache, for diagnostics and tests. */
    public SegmentCache cache() {
        return cache;
    }

    public ReadAhead readAhead() {
        return readAhead;
    }
}
