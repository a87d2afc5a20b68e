package io.vidforge.webhooks;

import io.vidforge.config.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Where and how webhooks are delivered. {@code WEBHOOK_URLS}: one or more http(s) URLs separated by
 * commas or spaces; {@code WEBHOOK_SECRET} signs every delivery (required with URLs). Retries back off
 * exponentially with jitter from {@code WEBHOOK_BACKOFF_BASE_SECONDS} up to
 * {@code WEBHOOK_BACKOFF_MAX_SECONDS} between attempts, for at most {@code WEBHOOK_MAX_AGE_SECONDS} after
 * the event (24 h by default), then the delivery is dead.
 */
public record WebhookSettings(List<URI> urls, String secret, Duration timeout, Duration lease,
                              Duration backoffBase, Duration backoffMax, Duration maxAge, Duration poll,
                              int concurrency) {

    public static WebhookSettings from(Settings s) {
        List<URI> urls = Arrays.stream(s.string("WEBHOOK_URLS", "").split("[,\\s]+"))
                .filter(u -> !u.isBlank()).map(WebhookSettings::url).toList();
        String secret = s.string("WEBHOOK_SECRET", "");
        if (!urls.isEmpty() && secret.isEmpty()) {
            throw new IllegalArgumentException("WEBHOOK_URLS is set but WEBHOOK_SECRET is not: every delivery is"
                    + " signed, set WEBHOOK_SECRET to a long random string the receivers know.");
        }
        Duration timeout = s.seconds("WEBHOOK_TIMEOUT_SECONDS", 10);
        return new WebhookSettings(urls, secret, timeout,
                // A delivery whose node died mid-request is sent again once its lease is over; a live
                // sender gives up after twice the timeout, well inside it.
                s.seconds("WEBHOOK_LEASE_SECONDS", timeout.toMillis() / 1000.0 * 2 + 20),
                s.seconds("WEBHOOK_BACKOFF_BASE_SECONDS", 5), s.seconds("WEBHOOK_BACKOFF_MAX_SECONDS", 3600),
                s.seconds("WEBHOOK_MAX_AGE_SECONDS", 24 * 3600), s.seconds("WEBHOOK_POLL_SECONDS", 1),
                s.integer("WEBHOOK_CONCURRENCY", 4));
    }

    public boolean enabled() {
        return !urls.isEmpty();
    }

    private static URI url(String u) {
        URI uri;
        try {
            uri = URI.create(u.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("WEBHOOK_URLS: '" + u + "' is not a URL", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("WEBHOOK_URLS: '" + u + "' is not an http(s) URL");
        }
        if (u.length() > 1000) {
            throw new IllegalArgumentException("WEBHOOK_URLS: a URL may have at most 1000 characters");
        }
        return uri;
    }
}
