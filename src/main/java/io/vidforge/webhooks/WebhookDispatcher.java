package io.vidforge.webhooks;

import io.vidforge.events.Events;
import io.vidforge.tasks.Backoff;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One delivery pass: fans new outbox events out to every endpoint, claims due deliveries and sends them
 * (a few at once), and records each outcome under the claim's version. A failure is retried after an
 * exponential backoff with jitter; one whose next try would fall after {@code WEBHOOK_MAX_AGE_SECONDS}
 * from its event is dead instead. Logs WEBHOOK_SENT, WEBHOOK_FAILED and WEBHOOK_DEAD.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class.getName());
    private static final int BATCH = 100;
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    private final WebhookSettings settings;
    private final DeliveryRepository repo;
    private final WebhookSender sender;
    private final Backoff backoff;
    private final Events events;
    private final Clock clock;
    private final String owner;
    private final ExecutorService pool;
    private long nextPrune;

    WebhookDispatcher(WebhookSettings settings, DeliveryRepository repo, Events events, Clock clock, String owner) {
        this.settings = settings;
        this.repo = repo;
        this.sender = new WebhookSender(settings.timeout());
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffMax(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.events = events;
        this.clock = clock;
        this.owner = owner;
        this.pool = Executors.newFixedThreadPool(Math.max(1, settings.concurrency()),
                Thread.ofPlatform().daemon().name("webhook-" + owner + "-", 0).factory());
    }

    /** One pass; true when something was delivered or failed (more may be due at once). */
    public boolean runOnce() {
        long now = clock.millis();
        if (now >= nextPrune) {
            // Kept for twice the retry window, then removed: the outbox does not grow without bound.
            repo.prune(now - 2 * settings.maxAge().toMillis());
            nextPrune = now + PRUNE_EVERY.toMillis();
        }
        if (!settings.enabled()) {
            return false;
        }
        List<String> endpoints = settings.urls().stream().map(URI::toString).toList();
        for (String e : endpoints) {
            repo.fanOut(e, now, now - settings.maxAge().toMillis());
        }
        List<Future<Boolean>> running = new ArrayList<>();
        for (Object[] d : repo.due(endpoints, now, BATCH)) {
            running.add(pool.submit(() -> deliver((String) d[0], (Long) d[1])));
        }
        boolean any = false;
        for (Future<Boolean> f : running) {
            try {
                any |= f.get();
            } catch (ExecutionException e) {
                LOG.log(Level.WARNING, "webhook delivery failed unexpectedly; it is retried after its lease", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return any;
    }

    private boolean deliver(String endpoint, long seq) {
        Optional<DeliveryRepository.Claim> claimed = repo.claim(endpoint, seq, owner, clock.millis(), settings.lease());
        if (claimed.isEmpty()) {
            return false;
        }
        DeliveryRepository.Claim c = claimed.get();
        long t0 = System.nanoTime();
        String signature = WebhookSignature.header(settings.secret(), clock.instant().getEpochSecond(), c.body());
        WebhookSender.Result r = sender.send(URI.create(endpoint), c.eventId(), c.type(), c.body(), signature);
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        long now = clock.millis();
        if (r.delivered()) {
            if (repo.sent(c, r.status(), now)) {
                event("WEBHOOK_SENT", c).with("status", r.status()).with("duration_ms", ms).emit();
            }
            return true;
        }
        Duration delay = backoff.delay(c.attempt());
        boolean dead = now + delay.toMillis() > c.createdAt() + settings.maxAge().toMillis();
        if (repo.failed(c, r.status(), r.error(), dead ? now : now + delay.toMillis(), dead, now)) {
            event("WEBHOOK_FAILED", c).with("status", r.status()).with("reason", r.error()).with("duration_ms", ms)
                    .with("retry_in_ms", dead ? null : delay.toMillis()).emit();
            if (dead) {
                event("WEBHOOK_DEAD", c).with("reason", r.error())
                        .with("age_ms", now - c.createdAt()).emit();
            }
        }
        return true;
    }

    private Events.Event event(String name, DeliveryRepository.Claim c) {
        return events.event(name).with("event_id", c.eventId()).with("type", c.type()).with("video_id", c.videoId())
                .with("endpoint", printable(c.endpoint())).with("attempt", c.attempt());
    }

    /** The endpoint without query or user info, which may carry credentials. */
    static String printable(String endpoint) {
        URI u = URI.create(endpoint);
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
