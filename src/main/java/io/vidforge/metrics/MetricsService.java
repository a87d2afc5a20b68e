package io.vidforge.metrics;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.http.Handlers;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: the node's metrics in the Prometheus text format. */
final class MetricsService implements HttpService {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final MetricsRegistry registry;

    MetricsService(MetricsRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::scrape).any("/", Handlers.methodNotAllowed());
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        byte[] body = registry.render().getBytes(StandardCharsets.UTF_8);
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body);
    }
}
