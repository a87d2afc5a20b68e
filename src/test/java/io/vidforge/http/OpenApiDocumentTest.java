package io.vidforge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.segment.SegmentModule;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.JsonSchemaCheck;
import io.vidforge.testing.RouteRecorder;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import io.vidforge.upload.UploadModule;
import io.vidforge.webhooks.WebhookModule;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GET /openapi.json against the server itself: a valid OpenAPI 3.1 document by a third-party parser
 * (swagger-parser), every route a node registers is documented, every documented operation answers with
 * one of its documented statuses, and JSON answers match their documented schemas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Node node;
    private JsonNode doc;

    @BeforeAll
    void start() throws Exception {
        node = TestNodes.start(TestNodes.environment("openapi"), "all-1", Set.of(Role.UPLOAD, Role.SEGMENT));
        Http.Response r = Http.get(node.baseUri().resolve("/openapi.json"));
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        doc = JSON.readTree(r.text());
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void the_document_is_valid_openapi_3_1_for_a_third_party_parser() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(doc.toString(), null, options);
        assertEquals(List.of(), result.getMessages(), "no parser complaints");
        assertTrue(result.getOpenAPI().getOpenapi().startsWith("3.1"), result.getOpenAPI().getOpenapi());
        assertTrue(result.getOpenAPI().getComponents().getSchemas().containsKey("Video"));
    }

    @Test
    void every_route_a_node_registers_is_documented_and_every_documented_one_is_registered() {
        RouteRecorder recorder = new RouteRecorder();
        var routing = recorder.builder();
        // What Node.start registers itself, then what each role adds.
        routing.register("/health", new HealthService("n", "r", Map.of(), () -> false));
        node.metrics().routing(routing);
        OpenApiDocument.register(routing);
        node.module(UploadModule.class).routing(routing);
        node.module(SegmentModule.class).routing(routing);
        node.module(WebhookModule.class).routing(routing);

        Set<String> registered = new TreeSet<>();
        recorder.routes().forEach(r -> registered.add(r.method() + " " + normalize(r.path())));
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (!m.equals("parameters")) {
                documented.add(m.toUpperCase() + " " + normalize(p.getKey()));
            }
        }));
        documented.remove("GET /player"); // static files, registered under /player/* (a wildcard)
        assertTrue(registered.size() > 20, "the recorder saw the routes: " + registered);
        assertEquals(registered, documented);
    }

    @Test
    void every_documented_operation_answers_a_documented_status_and_json_answers_match_their_schemas()
            throws Exception {
        FakeLadder.Published ready = FakeLadder.publish(node.platform(), "openapi", 1, 2, 2_000);
        JsonSchemaCheck schemas = new JsonSchemaCheck(doc.get("components"));
        List<String> problems = new ArrayList<>();
        int validated = 0;
        Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> p = paths.next();
            Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields();
            while (ops.hasNext()) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (op.getKey().equals("parameters")) {
                    continue;
                }
                String method = op.getKey().toUpperCase();
                Http.Response r = call(method, p.getKey(), op.getValue(), ready);
                JsonNode documented = op.getValue().get("responses").get(Integer.toString(r.status()));
                String what = method + " " + p.getKey() + " -> " + r.status();
                if (documented == null) {
                    problems.add(what + " is not a documented status: " + r.text());
                    continue;
                }
                JsonNode schema = documented.path("content").path("application/json").path("schema");
                if (!schema.isMissingNode() && r.body().length > 0 && !method.equals("HEAD")) {
                    List<String> wrong = schemas.problems(schema, JSON.readTree(r.body()));
                    validated++;
                    if (!wrong.isEmpty()) {
                        problems.add(what + " does not match its schema: " + wrong);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(validated >= 10, "answers validated against schemas: " + validated);
    }

    /** One request per documented operation, with its path parameters and required headers filled in. */
    private Http.Response call(String method, String template, JsonNode op, FakeLadder.Published ready) {
        String upload = template.contains("{upload_id}") ? tusUpload() : null;
        String path = template.replace("{id}", ready.videoId()).replace("{upload_id}", String.valueOf(upload))
                .replace("{session}", "doc-session").replace("{variant}", ready.variants().get(0).name())
                .replace("{file}", "index.m3u8");
        String query = "";
        if (path.endsWith("/shape")) {
            query = "?kbps=0";
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(node.baseUri().resolve(URI.create(path + query)));
        for (JsonNode param : op.path("parameters")) {
            if (param.path("in").asText().equals("header") && param.path("required").asBoolean()) {
                String name = param.get("name").asText();
                b.header(name, switch (name) {
                    case "Tus-Resumable" -> "1.0.0";
                    case "Upload-Length" -> "100";
                    case "Upload-Offset" -> "0";
                    case "X-HTTP-Method-Override" -> "DELETE";
                    default -> "x";
                });
            }
        }
        byte[] body = new byte[0];
        if (op.has("requestBody")) {
            String type = op.get("requestBody").get("content").fieldNames().next();
            body = SampleBytes.pseudoMp4(100, template.hashCode());
            b.header("Content-Type", type);
        }
        b.method(method, method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return Http.send(b);
    }

    private String tusUpload() {
        Http.Response r = Http.send(HttpRequest.newBuilder(node.baseUri().resolve("/uploads"))
                .header("Tus-Resumable", "1.0.0").header("Upload-Length", "100").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, r.status(), r.text());
        String location = r.header("Location");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static String normalize(String path) {
        String p = path.replaceAll("\\{[^}]+}", "{}").replaceAll("/+$", "");
        return p.isEmpty() ? "/" : p;
    }
}
