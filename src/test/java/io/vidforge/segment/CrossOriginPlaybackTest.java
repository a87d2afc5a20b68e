package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.json.Json;
import io.vidforge.testing.Await;
import io.vidforge.testing.Browser;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.TestNodes;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Playback from a page on another origin, in Chromium: a page served by a second server on another port
 * (another origin) fetches the DASH manifest and the HLS master, then a segment with {@code Range} and a
 * CMCD header, and reads statuses and exposed headers, an error's included. Without CORS on every playback
 * route or an answered preflight, the browser refuses the page the read. Chromium treats a single
 * {@code bytes=a-b} Range as CORS-safelisted (no preflight of its own); the CMCD header forces the
 * preflight (measured: dropping CMCD-Request from the allowed headers fails this test with "Failed to
 * fetch"). That the preflight allows {@code Range} for players that do send one is checked over plain HTTP
 * ({@code DashRoutesTest}, {@code SegmentRoutesTest}).
 */
class CrossOriginPlaybackTest {
    private static final String PAGE = """
            <!doctype html><meta charset="utf-8"><title>other origin</title><script>
            (async () => {
              const node = new URLSearchParams(location.search).get('node');
              const id = new URLSearchParams(location.search).get('v');
              const out = {};
              try {
                const mpd = await fetch(node + '/play/' + id + '/manifest.mpd');
                out.mpdStatus = mpd.status;
                out.session = mpd.headers.get('X-Session-Id');
                const doc = new DOMParser().parseFromString(await mpd.text(), 'application/xml');
                const baseUrl = doc.getElementsByTagName('BaseURL')[0].textContent;
                const seg = await fetch(node + baseUrl + 'seg_00001.m4s',
                    {headers: {'Range': 'bytes=10-109', 'CMCD-Request': 'bl=3000'}});
                out.segmentStatus = seg.status;
                out.contentRange = seg.headers.get('Content-Range');
                out.xCache = seg.headers.get('X-Cache');
                out.segmentBytes = (await seg.arrayBuffer()).byteLength;
                const master = await fetch(node + '/play/' + id + '/master.m3u8');
                out.masterStatus = master.status;
                const missing = await fetch(node + '/play/' + '0'.repeat(64) + '/manifest.mpd');
                out.errorStatus = missing.status;
                out.errorCode = (await missing.json()).error.code;
              } catch (e) {
                out.failure = String(e);
              }
              window.vfResult = JSON.stringify(out);
            })();
            </script>
            """;

    @Test
    void a_page_on_another_origin_reads_the_mpd_the_master_a_ranged_segment_after_a_preflight_and_errors() throws Exception {
        Browser.requireInstalled();
        HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pages.start();
        try (Node node = TestNodes.start(TestNodes.environment("cross-origin"), "segment-1", Set.of(Role.SEGMENT));
             Browser browser = Browser.start(800, 600)) {
            FakeLadder.Published video = FakeLadder.publish(node.platform(), "cross-origin", 2, 3, 2_000);
            String nodeOrigin = node.baseUri().toString().replaceAll("/$", "");
            String page = "http://127.0.0.1:" + pages.getAddress().getPort() + "/?node=" + nodeOrigin + "&v=" + video.videoId();
            assertTrue(!page.startsWith(nodeOrigin + "/"), "the page is on another origin than the node");
            browser.open(page);
            String json = Await.value(Duration.ofSeconds(20), "the page's reads",
                    () -> (String) browser.script("return window.vfResult || null"));
            JsonNode r = Json.MAPPER.readTree(json);
            assertTrue(r.path("failure").isMissingNode(), json);
            assertEquals(200, r.path("mpdStatus").asInt(), json);
            assertTrue(SessionIds.isValid(r.path("session").asText()), "X-Session-Id is exposed: " + json);
            assertEquals(206, r.path("segmentStatus").asInt(), json);
            byte[] bytes = video.bytes("720p", FakeLadder.Published.segment(1));
            assertEquals("bytes 10-109/" + bytes.length, r.path("contentRange").asText(), json);
            assertEquals(100, r.path("segmentBytes").asInt(), json);
            assertTrue(r.path("xCache").asText().matches("HIT|MISS"), json);
            assertEquals(200, r.path("masterStatus").asInt(), json);
            assertEquals(404, r.path("errorStatus").asInt(), json);
            assertEquals("NOT_FOUND", r.path("errorCode").asText(), json);
        } finally {
            pages.stop(0);
        }
    }
}
