package io.vidforge.http;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health}: 200 UP when every dependency this node's roles need answers, else 503 DOWN with
 * the failing checks named. Draining nodes report DOWN so load balancers stop sending new work.
 */
public final class HealthService implements HttpService {
    private final String nodeId;
    private final String role;
    private final Map<String, BooleanSupplier> checks;
    private final BooleanSupplier draining;

    public HealthService(String nodeId, String role, Map<String, BooleanSupplier> checks, BooleanSupplier draining) {
        this.nodeId = nodeId;
        this.role = role;
        this.checks = Map.copyOf(checks);
        this.draining = draining;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::health).any("/", Handlers.methodNotAllowed());
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, String> results = new LinkedHashMap<>();
        boolean up = true;
        for (var e : new java.util.TreeMap<>(checks).entrySet()) {
            boolean ok;
            try {
                ok = e.getValue().getAsBoolean();
            } catch (RuntimeException ex) {
                ok = false;
            }
            results.put(e.getKey(), ok ? "UP" : "DOWN");
            up &= ok;
        }
        if (draining.getAsBoolean()) {
            results.put("draining", "DOWN");
            up = false;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("node_id", nodeId);
        body.put("role", role);
        body.put("checks", results);
        Responses.json(res, up ? 200 : 503, body);
    }
}
