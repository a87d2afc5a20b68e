package io.vidforge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.http.HttpRequest;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The player page ships in the jar and revalidates like any static file (a reload must not break it). */
class PlayerPageTest {

    @Test
    void player_page_is_served_from_the_jar_and_answers_revalidation_with_304() {
        try (Node node = TestNodes.start(TestNodes.environment("player-page"), "segment-1", Set.of(Role.SEGMENT))) {
            Http.Response page = Http.get(node.baseUri().resolve("/player/?v=" + "a".repeat(64)));
            assertEquals(200, page.status());
            assertTrue(page.text().contains("vendor/hls.min.js"), "the page loads the bundled hls.js");
            Http.Response hls = Http.get(node.baseUri().resolve("/player/vendor/hls.min.js"));
            assertEquals(200, hls.status());
            assertTrue(hls.body().length > 100_000);

            String etag = page.header("ETag");
            String lastModified = page.header("Last-Modified");
            HttpRequest.Builder again = HttpRequest.newBuilder(node.baseUri().resolve("/player/index.html")).GET();
            if (etag != null) {
                again.header("If-None-Match", etag);
            } else {
                again.header("If-Modified-Since", lastModified);
            }
            Http.Response revalidated = Http.send(again);
            assertEquals(304, revalidated.status(), revalidated.text());
            assertEquals(0, revalidated.body().length);
        }
    }

    @Test
    void player_page_shows_live_progress_from_the_event_stream_and_the_failure_that_ends_it() {
        try (Node node = TestNodes.start(TestNodes.environment("player-sse"), "all-1", Set.of(Role.UPLOAD, Role.SEGMENT));
             io.vidforge.testing.Browser browser = io.vidforge.testing.Browser.start(800, 600)) {
            String id = Http.post(node.baseUri().resolve("/upload"), io.vidforge.testing.SampleBytes.pseudoMp4(10_000, 61),
                    "video/mp4").json().get("video_id").asText();
            browser.open(node.baseUri().resolve("/player/?v=" + id).toString());
            io.vidforge.testing.Await.until(java.time.Duration.ofSeconds(20), "the page to show the upload's status",
                    () -> String.valueOf(browser.script("return document.getElementById('message').textContent"))
                            .contains("uploaded"));
            boolean failed = node.platform().sql().inTransaction(c -> node.platform().videos().fail(c, id, 1,
                    "INVALID_MEDIA", "no video stream"));
            assertTrue(failed);
            io.vidforge.testing.Await.until(java.time.Duration.ofSeconds(20), "the page to show the failure",
                    () -> String.valueOf(browser.script("return document.getElementById('message').textContent"))
                            .contains("no video stream"));
            assertEquals(2L, browser.script("return window.vf.progressEvents.length"),
                    "both states came from the event stream");
        }
    }
}
