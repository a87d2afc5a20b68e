package io.vidforge.upload;

import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.config.Role;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The upload role: uploads in, and the videos API (stateless: everything lives in the database and S3). */
public final class UploadModule implements RoleModule {
    private static final Logger LOG = Logger.getLogger(UploadModule.class.getName());

    private final Platform platform;
    private final UploadIngest ingest;
    private final TusUploads tus;
    private final UploadSlots slots;
    private final ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tus-janitor");
        t.setDaemon(true);
        return t;
    });

    public UploadModule(Platform platform) {
        this.platform = platform;
        this.ingest = new UploadIngest(platform);
        this.tus = new TusUploads(platform, ingest);
        this.slots = new UploadSlots(platform.settings().maxConcurrentUploads(), platform.events(Role.UPLOAD));
    }

    /** The cap on upload bodies received at once (MAX_CONCURRENT_UPLOADS). */
    public UploadSlots slots() {
        return slots;
    }

    @Override
    public void routing(HttpRouting.Builder routing) {
        routing.register("/upload", new UploadService(ingest, platform.settings().maxUploadBytes(), slots));
        routing.register("/uploads", new TusService(tus, slots));
        VideoEventStream stream = new VideoEventStream(platform.videos(),
                Duration.ofMillis(platform.settings().integer("SSE_POLL_MILLIS", 500)),
                platform.settings().seconds("SSE_HEARTBEAT_SECONDS", 15), platform.draining()::get);
        routing.get("/videos/{id}/events", stream::handle)
                .any("/videos/{id}/events", io.vidforge.http.Handlers.methodNotAllowed());
        routing.register("/videos", new VideoApiService(platform.videos(), platform.events(Role.UPLOAD), platform.clock()));
    }

    /** Abandoned resumable uploads expire and their data is removed, by whichever upload node runs first. */
    @Override
    public void start() {
        Duration every = platform.settings().seconds("TUS_JANITOR_SECONDS", 600);
        janitor.scheduleWithFixedDelay(this::expireAbandoned, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One janitor pass; public so tests drive it with a manual clock. */
    public int expireAbandoned() {
        try {
            return tus.expireAbandoned();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "tus janitor pass failed; retrying next period: " + e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        janitor.shutdownNow();
    }
}
