package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.media.DashManifest;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DASH manifest routes on a real segment node: a session like the master's, BaseURLs onto that
 * session's variant folders (so init and media segments are the very HLS files, through the same cache,
 * read-ahead and SERVE lines), {@code kind: "mpd"} in the log, CORS and preflight, and clear errors.
 */
class DashRoutesTest {
    private static final Pattern REPRESENTATION = Pattern.compile(
            "<Representation [^>]*id=\"([^\"]+)\"[^>]*>.*?<BaseURL>([^<]+)</BaseURL>.*?initialization=\"([^\"]+)\"", Pattern.DOTALL);
    private Node node;
    private FakeLadder.Published video;
    private URI base;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.environment("dash-routes"), "segment-1", Set.of(Role.SEGMENT));
        video = FakeLadder.publish(node.platform(), "dash", 3, 3, 2_000);
        base = node.baseUri();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void the_mpd_starts_a_session_whose_base_urls_name_the_same_hls_files_of_that_session() {
        Http.Response r = Http.get(base.resolve("/play/" + video.videoId() + "/manifest.mpd"));
        assertEquals(200, r.status(), r.text());
        assertEquals(DashManifest.CONTENT_TYPE, r.header("Content-Type"));
        assertEquals("no-store", r.header("Cache-Control"));
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        String session = r.header("X-Session-Id");
        assertTrue(SessionIds.isValid(session), session);
        Map<String, String> baseUrls = baseUrls(r.text());
        assertEquals(List.of("720p", "480p", "360p"), List.copyOf(baseUrls.keySet()));
        for (var e : baseUrls.entrySet()) {
            String folder = "/s/" + session + "/" + video.videoId() + "/" + e.getKey() + "/";
            assertEquals(folder, e.getValue());
            Http.Response init = Http.get(base.resolve(folder + "init.mp4"));
            assertArrayEquals(video.bytes(e.getKey(), "init.mp4"), init.body());
            for (int i = 0; i < 3; i++) {
                String name = FakeLadder.Published.segment(i);
                assertArrayEquals(video.bytes(e.getKey(), name), Http.get(base.resolve(folder + name)).body(), folder + name);
            }
        }
        // The session path gives the same manifest for that session.
        Http.Response again = Http.get(base.resolve("/s/" + session + "/" + video.videoId() + "/manifest.mpd"));
        assertEquals(200, again.status());
        assertEquals(r.text(), again.text());
        Http.Response chosen = Http.get(base.resolve("/play/" + video.videoId() + "/manifest.mpd?session=" + session));
        assertEquals(r.text(), chosen.text());
    }

    @Test
    void mpd_init_and_segments_are_one_session_in_the_log_with_read_ahead() {
        Http.Response r = Http.get(base.resolve("/play/" + video.videoId() + "/manifest.mpd"));
        String s = r.header("X-Session-Id");
        String folder = baseUrls(r.text()).get("480p");
        Http.get(base.resolve(folder + "init.mp4"));
        // The init segment starts the variant: segment 0 is read ahead, as after an HLS playlist.
        JsonNode prefetch = Playback.awaitPrefetchResult(node.platform().settings().logDir(), s, "480p", 0);
        assertEquals("start", prefetch.path("trigger").asText());
        Http.get(base.resolve(folder + "seg_00000.m4s"));
        Playback.awaitServe(node.platform().settings().logDir(), s, "480p", 0);
        List<JsonNode> serves = Playback.events(node.platform().settings().logDir(), "SERVE", s);
        assertEquals(List.of("mpd", "init", "segment"), serves.stream().map(e -> e.path("kind").asText()).toList());
        assertEquals(video.videoId(), serves.get(0).path("video_id").asText());
        assertEquals(r.body().length, serves.get(0).path("bytes").asLong());
    }

    @Test
    void preflight_for_range_is_answered_and_errors_are_json_with_cors() {
        Http.Response preflight = Http.send(HttpRequest.newBuilder(base.resolve("/play/" + video.videoId() + "/manifest.mpd"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://player.example")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "range"));
        assertEquals(204, preflight.status());
        assertEquals("*", preflight.header("Access-Control-Allow-Origin"));
        assertTrue(preflight.header("Access-Control-Allow-Headers").contains("Range"));

        Http.Response head = Http.send(HttpRequest.newBuilder(base.resolve("/play/" + video.videoId() + "/manifest.mpd"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.status());
        assertEquals(0, head.body().length);
        Http.Response post = Http.post(base.resolve("/play/" + video.videoId() + "/manifest.mpd"), new byte[] {1},
                "application/octet-stream");
        assertEquals(405, post.status());

        Http.Response unknown = Http.get(base.resolve("/play/" + "0".repeat(64) + "/manifest.mpd"));
        assertEquals(404, unknown.status());
        assertEquals("*", unknown.header("Access-Control-Allow-Origin"));
        assertEquals(400, Http.get(base.resolve("/play/nothex/manifest.mpd")).status());

        // A video published before DASH existed has no manifest: a clear 404, not a 500.
        FakeLadder.Published old = FakeLadder.publish(node.platform(), "before-dash", 1, 2, 1_000);
        String key = old.objects().keySet().stream().filter(k -> k.endsWith(DashManifest.FILE)).findFirst().orElseThrow();
        node.platform().store().delete(key);
        Http.Response missing = Http.get(base.resolve("/play/" + old.videoId() + "/manifest.mpd"));
        assertEquals(404, missing.status(), missing.text());
        assertEquals("NOT_FOUND", missing.json().path("error").path("code").asText());
        assertTrue(missing.json().path("error").path("message").asText().contains("DASH"));
        assertEquals(200, Http.get(base.resolve("/play/" + old.videoId() + "/master.m3u8")).status(), "HLS still plays");
    }

    /** Representation id → BaseURL, in document order; every Representation's init is init.mp4. */
    static Map<String, String> baseUrls(String mpd) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = REPRESENTATION.matcher(mpd);
        List<String> inits = new ArrayList<>();
        while (m.find()) {
            out.put(m.group(1), m.group(2));
            inits.add(m.group(3));
        }
        assertTrue(inits.stream().allMatch("init.mp4"::equals), mpd);
        return out;
    }
}
