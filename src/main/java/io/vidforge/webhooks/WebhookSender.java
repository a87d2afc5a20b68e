package io.vidforge.webhooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One signed POST of one event body; every outcome (status, timeout, refused connection) is a result. */
final class WebhookSender {
    /** {@code status} is null when no answer came; {@code error} says why when it was not a 2xx. */
    record Result(Integer status, String error) {
        boolean delivered() {
            return status != null && status >= 200 && status < 300;
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    WebhookSender(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    Result send(URI endpoint, String eventId, String type, String body, String signature) {
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "VidForge-Webhooks/1")
                .header(WebhookSignature.HEADER, signature)
                .header("VidForge-Event-Id", eventId)
                .header("VidForge-Event-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
            return new Result(r.statusCode(), r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode());
        } catch (java.net.http.HttpTimeoutException e) {
            return new Result(null, "no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Result(null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted (node stopping)");
        }
    }
}
