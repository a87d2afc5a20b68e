package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one way tests wait for a video through the API ({@code GET /videos/{id}}). An answer other than 200
 * (nginx with every API node marked down after an outage, a node restarting) counts as "not yet".
 */
public final class VideoWait {
    private VideoWait() {
    }

    /** The video once it is {@code ready}; fails at once if it becomes {@code failed}. */
    public static JsonNode ready(URI video, Duration timeout) {
        return ready(video, timeout, v -> { });
    }

    /** The same, handing every answer to {@code eachAnswer} first (to follow progress, for example). */
    public static JsonNode ready(URI video, Duration timeout, Consumer<JsonNode> eachAnswer) {
        return Await.value(timeout, video.getPath() + " to become ready", () -> {
            JsonNode v = answer(video);
            if (v == null) {
                return null;
            }
            eachAnswer.accept(v);
            assertFalse("failed".equals(v.path("status").asText()), "processing failed: " + v);
            return "ready".equals(v.path("status").asText()) ? v : null;
        });
    }

    /** The video once it is {@code ready} or {@code failed}. */
    public static JsonNode settled(URI video, Duration timeout) {
        return Await.value(timeout, video.getPath() + " to become ready or failed", () -> {
            JsonNode v = answer(video);
            return v != null && Set.of("ready", "failed").contains(v.path("status").asText()) ? v : null;
        });
    }

    /** The video once its status is {@code status}. */
    public static JsonNode status(URI video, String status, Duration timeout) {
        return Await.value(timeout, video.getPath() + " to become " + status, () -> {
            JsonNode v = answer(video);
            return v != null && status.equals(v.path("status").asText()) ? v : null;
        });
    }

    private static JsonNode answer(URI video) {
        Http.Response r = Http.get(video);
        return r.status() == 200 ? r.json() : null;
    }
}
