package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The playback routes' contract on a real segment node: types, caching headers, CORS, sessions, errors. */
class SegmentRoutesTest {
    private Node node;
    private FakeLadder.Published video;
    private URI base;

    @BeforeEach
    void start() {
        Map<String, String> env = TestNodes.environment("segment-routes");
        env.put("BEHIND_PROXY", "true"); // as ./run.sh cluster starts it: nginx's X-Failover-Status is honoured
        node = TestNodes.start(env, "segment-1", Set.of(Role.SEGMENT));
        video = FakeLadder.publish(node.platform(), "routes", 3, 4, 3_000);
        base = node.baseUri();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    @Tag("db")
    void master_starts_a_session_whose_absolute_variant_uris_carry_it() {
        Http.Response r = Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8"));
        assertEquals(200, r.status(), r.text());
        assertEquals("application/vnd.apple.mpegurl", r.header("Content-Type"));
        assertEquals("no-store", r.header("Cache-Control"));
        assertEquals("segment-1", r.header("X-Node-Id"));
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        String session = r.header("X-Session-Id");
        assertTrue(SessionIds.isValid(session), session);
        List<String> uris = r.text().lines().filter(l -> l.startsWith("/")).toList();
        assertEquals(3, uris.size(), r.text());
        for (String u : uris) {
            assertTrue(u.matches("/s/" + session + "/" + video.videoId() + "/(720p|480p|360p)/index\\.m3u8"), u);
        }
        assertTrue(r.text().contains("RESOLUTION=1280x720"), r.text());
        assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));

        String other = Playback.startSession(base, video.videoId());
        assertNotEquals(session, other, "every /play starts a new session");

        // A video that is not ready yet: 409, JSON, still with CORS and the node id.
        String pending = FakeLadder.insertUploaded(node.platform(), "not-ready-yet");
        Http.Response notReady = Http.get(base.resolve("/play/" + pending + "/master.m3u8"));
        assertEquals(409, notReady.status());
        assertEquals("VIDEO_NOT_READY", notReady.json().path("error").path("code").asText());
        assertEquals("*", notReady.header("Access-Control-Allow-Origin"));
        assertEquals("segment-1", notReady.header("X-Node-Id"));
        Http.Response notReadySegment = Http.get(base.resolve(Playback.path("s1", pending, "720p", "seg_00000.m4s")));
        assertEquals(409, notReadySegment.status());
        // Opting into early playback does not play what is not playable, and a ready video's master is the usual
        // one: variant URIs without the early marker (so its playlists are VOD).
        Http.Response notPlayable = Http.get(base.resolve("/play/" + pending + "/master.m3u8?early=true"));
        assertEquals(409, notPlayable.status(), notPlayable.text());
        assertEquals("VIDEO_NOT_READY", notPlayable.json().path("error").path("code").asText());
        Http.Response optedIn = Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8?early=true"));
        assertEquals(200, optedIn.status(), optedIn.text());
        String s2 = optedIn.header("X-Session-Id");
        for (String u : optedIn.text().lines().filter(l -> l.startsWith("/")).toList()) {
            assertTrue(u.matches("/s/" + s2 + "/" + video.videoId() + "/(720p|480p|360p)/index\\.m3u8"), u);
        }
    }

    @Test
    void session_query_and_session_path_give_the_same_master_with_that_session() {
        Http.Response chosen = Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8?session=my_Session-1"));
        assertEquals(200, chosen.status(), chosen.text());
        assertTrue(chosen.text().contains("/s/my_Session-1/" + video.videoId() + "/720p/index.m3u8"), chosen.text());
        Http.Response bySession = Http.get(base.resolve("/s/my_Session-1/" + video.videoId() + "/master.m3u8"));
        assertEquals(200, bySession.status());
        assertEquals(chosen.text(), bySession.text());
        assertEquals("no-store", bySession.header("Cache-Control"));
        assertEquals(400, Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8?session=bad.session")).status());
        String tooLong = "a".repeat(65);
        assertEquals(400, Http.get(base.resolve("/s/" + tooLong + "/" + video.videoId() + "/master.m3u8")).status());
    }

    @Test
    void variant_files_have_their_content_types_cache_headers_and_bytes() {
        String s = "sess1";
        Http.Response playlist = Http.get(base.resolve(Playback.path(s, video.videoId(), "480p", "index.m3u8")));
        assertEquals(200, playlist.status(), playlist.text());
        assertEquals("application/vnd.apple.mpegurl", playlist.header("Content-Type"));
        assertEquals("public, max-age=5", playlist.header("Cache-Control"));
        assertArrayEquals(video.bytes("480p", "index.m3u8"), playlist.body());
        assertTrue(playlist.text().contains("#EXT-X-MAP:URI=\"init.mp4\""));

        Http.Response init = Http.get(base.resolve(Playback.path(s, video.videoId(), "480p", "init.mp4")));
        assertEquals(200, init.status());
        assertEquals("video/mp4", init.header("Content-Type"));
        assertEquals("public, max-age=31536000, immutable", init.header("Cache-Control"));
        assertArrayEquals(video.bytes("480p", "init.mp4"), init.body());

        Http.Response seg = Http.get(base.resolve(Playback.path(s, video.videoId(), "480p", "seg_00002.m4s")));
        assertEquals(200, seg.status());
        assertEquals("video/iso.segment", seg.header("Content-Type"));
        assertEquals("public, max-age=31536000, immutable", seg.header("Cache-Control"));
        assertEquals(String.valueOf(seg.body().length), seg.header("Content-Length"));
        assertEquals("bytes", seg.header("Accept-Ranges"));
        assertEquals("segment-1", seg.header("X-Node-Id"));
        assertEquals("*", seg.header("Access-Control-Allow-Origin"));
        String exposed = seg.header("Access-Control-Expose-Headers");
        for (String h : List.of("Content-Length", "Content-Range", "X-Cache", "X-Node-Id")) {
            assertTrue(exposed.contains(h), exposed);
        }
        assertArrayEquals(video.bytes("480p", "seg_00002.m4s"), seg.body());
        // Segment 2 was prefetched after... nothing (first request): MISS; asked again: HIT, once the read is
        // stored.
        assertEquals("MISS", seg.header("X-Cache"));
        Playback.awaitHit(base, Playback.path(s, video.videoId(), "480p", "seg_00002.m4s"));
    }

    @Test
    void head_answers_headers_only_and_options_answers_the_cors_preflight() {
        String path = Playback.path("h1", video.videoId(), "720p", "seg_00001.m4s");
        Http.Response head = Http.send(HttpRequest.newBuilder(base.resolve(path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.status());
        assertEquals(0, head.body().length);
        assertEquals(String.valueOf(video.bytes("720p", "seg_00001.m4s").length), head.header("Content-Length"));
        assertEquals("video/iso.segment", head.header("Content-Type"));

        Http.Response preflight = Http.send(HttpRequest.newBuilder(base.resolve(path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://player.example")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "range"));
        assertEquals(204, preflight.status());
        assertEquals("*", preflight.header("Access-Control-Allow-Origin"));
        assertTrue(preflight.header("Access-Control-Allow-Methods").contains("GET"));
        assertTrue(preflight.header("Access-Control-Allow-Headers").contains("Range"));
        Http.Response masterPreflight = Http.method(base.resolve("/play/" + video.videoId() + "/master.m3u8"),
                "OPTIONS", null);
        assertEquals(204, masterPreflight.status());

        Http.Response post = Http.post(base.resolve(path), new byte[] {1}, "application/octet-stream");
        assertEquals(405, post.status());
        assertEquals("METHOD_NOT_ALLOWED", post.json().path("error").path("code").asText());
    }

    @Test
    void unknown_video_variant_and_segment_are_404_and_malformed_names_400_as_json() {
        String id = video.videoId();
        String unknownId = "0".repeat(64);
        assertError(404, "NOT_FOUND", "/play/" + unknownId + "/master.m3u8");
        assertError(404, "NOT_FOUND", Playback.path("s", unknownId, "720p", "seg_00000.m4s"));
        assertError(404, "NOT_FOUND", Playback.path("s", id, "1080p", "seg_00000.m4s"));
        assertError(404, "NOT_FOUND", Playback.path("s", id, "720p", "seg_00004.m4s"));
        assertError(404, "NOT_FOUND", Playback.path("s", id, "720p", "seg_99999.m4s"));
        assertError(400, "INVALID_VIDEO_ID", "/play/ABC/master.m3u8");
        assertError(400, "INVALID_VIDEO_ID", "/play/" + id.toUpperCase() + "/master.m3u8");
        assertError(400, "INVALID_FILE_NAME", Playback.path("s", id, "720p", "seg_1.m4s"));
        assertError(400, "INVALID_FILE_NAME", Playback.path("s", id, "720p", "master.m3u8x"));
        assertError(400, "INVALID_FILE_NAME", Playback.path("s", id, "720p", "poster.jpg"));
        assertError(400, "INVALID_SESSION_ID", Playback.path("s%20x", id, "720p", "seg_00000.m4s"));
        assertError(400, "INVALID_VARIANT", Playback.path("s", id, "720p.", "seg_00000.m4s"));
        // Traversal: encoded slashes and dots never leave the pattern checks, whatever decoding happens.
        assertError(400, "INVALID_PLAYBACK_PATH", Playback.path("s", id, "720p", "..%2F..%2Fraw%2Fx"));
        assertError(400, "INVALID_PLAYBACK_PATH", Playback.path("s", id, "720p", "..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd"));
        assertError(400, "INVALID_VARIANT", Playback.path("s", id, "%2E%2E", "index.m3u8"));
        assertError(400, "INVALID_PLAYBACK_PATH", Playback.path("s", id, "..%2F480p", "index.m3u8"));
        // A path that does not have the shape of a playback URL at all.
        assertError(400, "INVALID_PLAYBACK_PATH", "/s/s/" + id + "/720p/x/seg_00000.m4s");
        assertError(404, "NOT_FOUND", "/play/" + id + "/poster.jpg");
        // early is true or false, nothing else (a typo must not silently mean "not early").
        assertError(400, "INVALID_EARLY", "/play/" + id + "/master.m3u8?early=maybe");
        assertError(400, "INVALID_EARLY", "/s/s/" + id + "/master.m3u8?early=");
        assertError(400, "INVALID_EARLY", Playback.path("s", id, "720p", "index.m3u8") + "?early=yes");
    }

    @Test
    void range_requests_return_the_right_bytes_with_206_and_416_when_unsatisfiable() {
        String path = Playback.path("r1", video.videoId(), "720p", "seg_00003.m4s");
        byte[] all = video.bytes("720p", "seg_00003.m4s");
        int n = all.length;

        Http.Response first = Playback.get(base, path, "Range", "bytes=0-99");
        assertEquals(206, first.status());
        assertEquals("bytes 0-99/" + n, first.header("Content-Range"));
        assertEquals("100", first.header("Content-Length"));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 0, 100), first.body());

        Http.Response open = Playback.get(base, path, "Range", "bytes=1000-");
        assertEquals(206, open.status());
        assertEquals("bytes 1000-" + (n - 1) + "/" + n, open.header("Content-Range"));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 1000, n), open.body());

        Http.Response suffix = Playback.get(base, path, "Range", "bytes=-50");
        assertEquals(206, suffix.status());
        assertArrayEquals(java.util.Arrays.copyOfRange(all, n - 50, n), suffix.body());

        Http.Response beyondEnd = Playback.get(base, path, "Range", "bytes=10-" + (n + 500));
        assertEquals(206, beyondEnd.status());
        assertEquals("bytes 10-" + (n - 1) + "/" + n, beyondEnd.header("Content-Range"));

        Http.Response unsatisfiable = Playback.get(base, path, "Range", "bytes=" + n + "-");
        assertEquals(416, unsatisfiable.status());
        assertEquals("bytes */" + n, unsatisfiable.header("Content-Range"));
        assertEquals("RANGE_NOT_SATISFIABLE", unsatisfiable.json().path("error").path("code").asText());
        assertEquals(416, Playback.get(base, path, "Range", "bytes=-0").status());

        // What the RFC lets a server ignore is answered with the whole object.
        assertEquals(200, Playback.get(base, path, "Range", "bytes=0-1,5-6").status());
        assertEquals(200, Playback.get(base, path, "Range", "bytes=9-2").status());
        assertEquals(200, Playback.get(base, path, "Range", "items=0-1").status());

        Http.Response headRange = Http.send(HttpRequest.newBuilder(base.resolve(path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Range", "bytes=5-14"));
        assertEquals(206, headRange.status());
        assertEquals("10", headRange.header("Content-Length"));
        assertEquals("bytes 5-14/" + n, headRange.header("Content-Range"));

        JsonNode partial = Await.value(Playback.TIMEOUT, "SERVE of the first range", () -> Playback.events(
                node.platform().settings().logDir(), "SERVE", "r1").stream()
                .filter(e -> e.path("status").asInt() == 206).findFirst().orElse(null));
        assertEquals("bytes 0-99/" + n, partial.path("range").asText());
        assertEquals(100, partial.path("bytes").asInt());
    }

    @Test
    void a_node_not_behind_nginx_answers_a_client_asking_for_502_with_the_contracts_503() {
        try (Node direct = TestNodes.start(TestNodes.environment("segment-direct"), "segment-9", Set.of(Role.SEGMENT))) {
            direct.platform().draining().set(true);
            for (String path : List.of("/s/d9/" + "0".repeat(64) + "/master.m3u8", "/player/")) {
                Http.Response r = askingFor(direct.baseUri().resolve(path), "502");
                assertEquals(503, r.status(), path);
                assertEquals("NODE_DRAINING", r.json().path("error").path("code").asText(), path);
            }
        }
    }

    @Test
    void draining_node_answers_503_to_new_playback_requests_and_the_502_nginx_asks_for_behind_it() {
        String path = Playback.path("d1", video.videoId(), "720p", "seg_00000.m4s");
        assertEquals(200, Http.get(base.resolve(path)).status());
        node.platform().draining().set(true);
        Http.Response seg = Http.get(base.resolve(path));
        assertEquals(503, seg.status());
        assertEquals("NODE_DRAINING", seg.json().path("error").path("code").asText());
        assertEquals("segment-1", seg.header("X-Node-Id"));
        assertEquals(503, Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8")).status());
        // Behind nginx the refusal is the 502 it asks for (it retries and marks down on 502 only, so that a
        // 503 of an S3 outage does not take a healthy node out); it cannot ask for anything else.
        Http.Response proxied = askingFor(base.resolve(path), "502");
        assertEquals(502, proxied.status());
        assertEquals("NODE_DRAINING", proxied.json().path("error").path("code").asText());
        assertEquals(502, askingFor(base.resolve("/play/" + video.videoId() + "/master.m3u8"), "502").status());
        assertEquals(502, askingFor(base.resolve("/player/"), "502").status(), "the player page, refused by the node's filter");
        assertEquals(503, askingFor(base.resolve(path), "500").status());
        node.platform().draining().set(false);
        assertEquals(200, askingFor(base.resolve(path), "502").status());
    }

    /** A GET carrying the status nginx asks a draining node to refuse with. */
    private static Http.Response askingFor(URI uri, String failoverStatus) {
        return Http.send(HttpRequest.newBuilder(uri).header("X-Failover-Status", failoverStatus).GET());
    }

    @Test
    void every_served_file_is_logged_with_the_contract_fields() {
        String s = Playback.startSession(base, video.videoId());
        Http.get(base.resolve(Playback.path(s, video.videoId(), "720p", "index.m3u8")));
        Http.get(base.resolve(Playback.path(s, video.videoId(), "720p", "init.mp4")));
        // Segment 3 (a seek): the playlist read segment 0 ahead, so 0 might be a hit; 3 is certainly a miss.
        Http.get(base.resolve(Playback.path(s, video.videoId(), "720p", "seg_00003.m4s")));
        JsonNode seg = Playback.awaitServe(node.platform().settings().logDir(), s, "720p", 3);
        assertEquals("segment-1", seg.path("node_id").asText());
        assertEquals("segment", seg.path("role").asText());
        assertEquals(video.videoId(), seg.path("video_id").asText());
        assertEquals(3_000_000, seg.path("bandwidth").asLong());
        assertEquals("1280x720", seg.path("resolution").asText());
        assertEquals("MISS", seg.path("cache").asText());
        assertEquals(video.bytes("720p", "seg_00003.m4s").length, seg.path("bytes").asLong());
        assertTrue(seg.path("duration_ms").isNumber());
        assertTrue(seg.path("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
        List<JsonNode> serves = Playback.events(node.platform().settings().logDir(), "SERVE", s);
        assertEquals(List.of("master", "playlist", "init", "segment"),
                serves.stream().map(e -> e.path("kind").asText()).toList());
        for (JsonNode e : serves.subList(0, 3)) {
            assertTrue(e.path("segment").isMissingNode(), "no segment index on " + e);
        }
        assertTrue(serves.get(0).path("cache").isMissingNode(), "a master is rendered, not cached");
        assertNull(EventLogs.events(node.platform().settings().logDir(), "SERVE",
                e -> e.path("status").asInt(200) != 200 && e.path("status").asInt() != 206).stream().findAny().orElse(null));
    }

    private void assertError(int status, String code, String path) {
        Http.Response r = Http.get(base.resolve(path));
        assertEquals(status, r.status(), path + " -> " + r.text());
        JsonNode err = r.json().path("error");
        assertEquals(code, err.path("code").asText(), path + " -> " + r.text());
        assertTrue(err.path("message").asText().length() > 5);
        assertEquals("application/json", r.header("Content-Type"));
    }
}
