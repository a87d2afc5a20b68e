package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Reads a Server-Sent Events stream to its end: the JSON of every {@code data:} line, as it arrives. */
public final class SseClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The answer's status and content type, and the events in order; {@code onEvent} runs as each arrives. */
    public record Stream(int status, String contentType, List<JsonNode> events, boolean closedByServer) {
    }

    private SseClient() {
    }

    public static Stream read(URI uri, Duration timeout, Consumer<JsonNode> onEvent) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "text/event-stream").GET().build();
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        try {
            HttpResponse<java.io.InputStream> res = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            String type = res.headers().firstValue("Content-Type").orElse("");
            boolean closed = false;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                long deadline = System.nanoTime() + timeout.toNanos();
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        JsonNode e = JSON.readTree(line.substring(5).trim());
                        events.add(e);
                        onEvent.accept(e);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the stream was still open after " + timeout + ": " + events);
                    }
                }
                closed = true;
            }
            return new Stream(res.statusCode(), type, List.copyOf(events), closed);
        } catch (IOException e) {
            throw new AssertionError("SSE stream " + uri + " failed after " + events + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
