package io.vidforge.webhooks;

import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.http.ApiException;
import io.vidforge.json.Json;
import io.vidforge.http.Responses;
import io.vidforge.metrics.NodeMetrics;
import io.vidforge.tasks.PollingLoop;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Webhook delivery on an upload or orchestrator node: a loop running {@link WebhookDispatcher} every
 * {@code WEBHOOK_POLL_SECONDS} (it delivers when {@code WEBHOOK_URLS} is set, and removes outbox rows
 * older than twice {@code WEBHOOK_MAX_AGE_SECONDS} either way), and {@code GET /admin/webhooks}, which
 * lists deliveries (dead ones with {@code ?state=dead}) so a delivery that gave up stays visible.
 */
public final class WebhookModule implements RoleModule {
    private final WebhookSettings settings;
    private final DeliveryRepository repo;
    private final WebhookDispatcher dispatcher;
    private final PollingLoop loop;

    public WebhookModule(Platform platform, String role) {
        this.settings = WebhookSettings.from(platform.settings());
        this.repo = new DeliveryRepository(platform.sql());
        this.dispatcher = new WebhookDispatcher(settings, repo, platform.eventLog().forRole(role), platform.clock(),
                platform.nodeId());
        this.loop = new PollingLoop("webhooks-" + platform.nodeId(), settings.poll(), dispatcher::runOnce);
    }

    public WebhookDispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public void routing(HttpRouting.Builder routing) {
        routing.get("/admin/webhooks", (req, res) -> {
            String state = req.query().first("state").map(s -> s.toUpperCase(Locale.ROOT)).orElse(null);
            if (state != null && !List.of(DeliveryRepository.PENDING, DeliveryRepository.SENT, DeliveryRepository.DEAD)
                    .contains(state)) {
                throw ApiException.badRequest("INVALID_STATE", "state must be pending, sent or dead.");
            }
            int limit;
            try {
                limit = Integer.parseInt(req.query().first("limit").orElse("100"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 1000) {
                throw ApiException.badRequest("INVALID_LIMIT", "limit must be a whole number from 1 to 1000.");
            }
            List<Map<String, Object>> items = repo.list(state, limit).stream().map(WebhookModule::view).toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("endpoints", settings.urls().stream().map(u -> WebhookDispatcher.printable(u.toString())).toList());
            body.put("deliveries", items);
            Responses.json(res, 200, body);
        });
    }

    private static Map<String, Object> view(DeliveryRepository.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_id", r.eventId());
        m.put("type", r.type());
        m.put("video_id", r.videoId());
        m.put("endpoint", WebhookDispatcher.printable(r.endpoint()));
        m.put("state", r.state().toLowerCase(Locale.ROOT));
        m.put("attempts", r.attempts());
        m.put("next_attempt_at", DeliveryRepository.PENDING.equals(r.state()) ? Json.timestamp(r.nextAt()) : null);
        m.put("last_status", r.lastStatus());
        m.put("last_error", r.lastError());
        m.put("created_at", Json.timestamp(r.createdAt()));
        m.put("updated_at", Json.timestamp(r.updatedAt()));
        return m;
    }

    @Override
    public void metrics(NodeMetrics metrics) {
        metrics.registry().gauge("vidforge_webhook_deliveries",
                "Webhook deliveries in the database by state (pending, sent, dead), read at scrape time.",
                List.of("state"), repo::countByState);
    }

    @Override
    public void start() {
        loop.start(); // delivers when WEBHOOK_URLS is set; prunes old outbox rows either way
    }

    @Override
    public void close() {
        loop.close();
        dispatcher.close();
    }
}
