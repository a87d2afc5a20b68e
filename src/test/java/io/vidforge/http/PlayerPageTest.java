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
}
