package io.vidforge.webhooks;

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
        // The request timeout ends at the response headers; a receiver that then trickles its body must not
        // hold the delivery (and its lease) either, so the whole exchange is bounded too.
        java.util.concurrent.CompletableFuture<HttpResponse<Void>> f =
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            HttpResponse<Void> r = f.get(timeout.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
            return new Result(r.statusCode(), r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode());
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            return new Result(null, "no complete answer within " + timeout.toMillis() * 2 + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.net.http.HttpTimeoutException) {
                return new Result(null, "no answer within " + timeout.toMillis() + " ms");
            }
            return new Result(null, c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted (node stopping)");
        }
    }
}
