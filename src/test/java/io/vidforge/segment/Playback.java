package io.vidforge.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A simulated player's requests and the event-log queries segment tests share. */
final class Playback {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern VARIANT_URI = Pattern.compile("^/s/([A-Za-z0-9_-]+)/([0-9a-f]{64})/([^/]+)/index\\.m3u8$",
            Pattern.MULTILINE);

    private Playback() {
    }

    /** Starts a session as a player does: GET the master and take the session id from its variant URIs. */
    static String startSession(URI base, String videoId) {
        Http.Response master = Http.get(base.resolve("/play/" + videoId + "/master.m3u8"));
        if (master.status() != 200) {
            throw new AssertionError("master: " + master.status() + " " + master.text());
        }
        Matcher m = VARIANT_URI.matcher(master.text());
        if (!m.find()) {
            throw new AssertionError("no variant URI in master:\n" + master.text());
        }
        return m.group(1);
    }

    static String path(String session, String videoId, String variant, String file) {
        return "/s/" + session + "/" + videoId + "/" + variant + "/" + file;
    }

    static Http.Response segment(URI base, String session, String videoId, String variant, int index) {
        return Http.get(base.resolve(path(session, videoId, variant, FakeLadder.Published.segment(index))));
    }

    /**
     * GETs {@code path} until it is answered from the cache. After a miss the client can have the last byte
     * a moment before the cache holds the object; a request in that moment joins the read and is a MISS.
     */
    static Http.Response awaitHit(URI base, String path) {
        return Await.value(Duration.ofSeconds(10), path + " asked again to be a HIT", () -> {
            Http.Response r = get(base, path);
            return "HIT".equals(r.header("X-Cache")) ? r : null;
        });
    }

    static Http.Response get(URI base, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return Http.send(b);
    }

    static List<JsonNode> events(Path logDir, String event, String session) {
        return EventLogs.events(logDir, event, e -> session.equals(e.path("session_id").asText()));
    }

    /** The PREFETCH_RESULT for {@code segment} of {@code variant} in {@code session}, once it is logged. */
    static JsonNode awaitPrefetchResult(Path logDir, String session, String variant, int segment) {
        return Await.value(TIMEOUT, "PREFETCH_RESULT of " + variant + " segment " + segment, () ->
                events(logDir, "PREFETCH_RESULT", session).stream()
                        .filter(e -> variant.equals(e.path("variant").asText()) && e.path("segment").asInt(-1) == segment)
                        .findFirst().orElse(null));
    }

    /** The SERVE line of {@code segment} of {@code variant} in {@code session} (SERVE is logged after the send). */
    static JsonNode awaitServe(Path logDir, String session, String variant, int segment) {
        return Await.value(TIMEOUT, "SERVE of " + variant + " segment " + segment, () ->
                events(logDir, "SERVE", session).stream()
                        .filter(e -> "segment".equals(e.path("kind").asText())
                                && variant.equals(e.path("variant").asText()) && e.path("segment").asInt(-1) == segment)
                        .findFirst().orElse(null));
    }
}
