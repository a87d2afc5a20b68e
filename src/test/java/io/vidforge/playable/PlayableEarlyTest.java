package io.vidforge.playable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.VideoWait;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Playable early (docs/processing.md): under the chunked plan a video is playable as soon as its audio and
 * its first chunk are accepted. Its playlists are EVENT playlists of the accepted chunks' contiguous prefix
 * that only ever grow and end as the published playlists; a video that fails after that stops being playable
 * with a JSON error. The worker's encodes wait for permits ({@link PlayableNode}), so every state is looked at
 * on purpose, not caught by timing.
 */
@Tag("db")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlayableEarlyTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private PlayableNode p;
    private MediaClips clips;

    @BeforeAll
    void start() throws Exception {
        p = new PlayableNode("playable");
        clips = new MediaClips(Files.createTempDirectory("playable-clips"));
    }

    @AfterAll
    void stop() {
        if (p != null) {
            p.close();
        }
    }

    private URI uri(String path) {
        return p.node.baseUri().resolve(path);
    }

    private JsonNode video(String id) {
        return Http.get(uri("/videos/" + id)).json();
    }

    private List<JsonNode> completed(String id, String kind) {
        return EventLogs.events(p.logs, "TASK_COMPLETED", e -> id.equals(e.path("video_id").asText())
                && kind.equals(e.path("kind").asText()));
    }

    /** The media segment URIs a playlist lists, in order. */
    private static List<String> segments(String playlist) {
        return playlist.lines().filter(l -> l.startsWith("seg_")).toList();
    }

    @Test
    void a_chunked_video_is_playable_before_ready_from_an_event_playlist_that_grows_into_the_published_one()
            throws Exception {
        // 12 s at 2 s segments and 4 s chunks: c0 0-4 s, c1 4-8 s, c2 8 s-end; 6 segments per rung.
        String id = p.upload(clips.make(MediaClips.Clip.of("playable-12s", 640, 360, 12, 2)), "early");
        Await.until(WAIT, "the plan's chunks", () -> EventLogs.events(p.logs, "TASK_CREATED",
                e -> id.equals(e.path("video_id").asText()) && "VIDEO_CHUNK".equals(e.path("kind").asText())).size() == 3);
        JsonNode before = video(id);
        assertEquals("processing", before.path("status").asText());
        assertFalse(before.path("playable").asBoolean(), before.toString());
        assertTrue(before.path("playable_at").isNull(), before.toString());
        Http.Response notYet = Http.get(uri("/play/" + id + "/master.m3u8"));
        assertEquals(409, notYet.status(), notYet.text());
        assertEquals("VIDEO_NOT_READY", notYet.json().path("error").path("code").asText());
        Http.Response notYetEarly = Http.get(uri("/play/" + id + "/master.m3u8?early=true"));
        assertEquals(409, notYetEarly.status(), "opting in does not play what is not playable: " + notYetEarly.text());
        assertEquals("VIDEO_NOT_READY", notYetEarly.json().path("error").path("code").asText());

        // The audio alone is not enough: the first chunk of every rung is missing.
        p.permit(1);
        Await.until(WAIT, "the audio to be accepted", () -> completed(id, "AUDIO").size() == 1);
        assertFalse(video(id).path("playable").asBoolean(), "playable without its first chunk");

        // Chunk 0 accepted: playable while the rest still waits to be encoded; the lifecycle is unchanged.
        p.permit(1);
        JsonNode playable = Await.value(WAIT, "the video to become playable", () -> {
            JsonNode v = video(id);
            return v.path("playable").asBoolean() ? v : null;
        });
        assertEquals("processing", playable.path("status").asText(), "playable early is not ready");
        assertEquals("/play/" + id + "/master.m3u8?early=true", playable.path("playable_url").asText(), playable.toString());
        Instant playableAt = Instant.parse(playable.path("playable_at").asText());
        List<JsonNode> logged = EventLogs.events(p.logs, "PLAYABLE", e -> id.equals(e.path("video_id").asText()));
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).path("early").asBoolean(), logged.toString());
        assertTrue(logged.get(0).path("delay_ms").asLong() > 0, logged.toString());

        // Early playback is an opt-in: without ?early=true the master answers as the contract says, 409 until
        // ready, on both master URLs; a value other than true/false is a 400, not a silent "no".
        for (String path : List.of("/play/" + id + "/master.m3u8", "/s/not-early/" + id + "/master.m3u8",
                "/play/" + id + "/master.m3u8?early=false")) {
            Http.Response refused = Http.get(uri(path));
            assertEquals(409, refused.status(), path + ": " + refused.text());
            assertEquals("VIDEO_NOT_READY", refused.json().path("error").path("code").asText(), path);
        }
        for (String path : List.of("/play/" + id + "/master.m3u8?early=yes", "/s/bad-early/" + id + "/master.m3u8?early=1",
                variant("bad-early", id, "360p", "index.m3u8?early=TRUE"))) {
            Http.Response bad = Http.get(uri(path));
            assertEquals(400, bad.status(), path + ": " + bad.text());
            assertEquals("INVALID_EARLY", bad.json().path("error").path("code").asText(), path);
        }
        // A session that did not start early is not handed an EVENT playlist: its playlists are not ready.
        Http.Response notEarly = Http.get(uri(variant("not-early", id, "360p", "index.m3u8")));
        assertEquals(409, notEarly.status(), notEarly.text());
        assertEquals("VIDEO_NOT_READY", notEarly.json().path("error").path("code").asText());

        Http.Response chosen = Http.get(uri("/s/chosen-early/" + id + "/master.m3u8?early=true"));
        assertEquals(200, chosen.status(), chosen.text());
        assertTrue(chosen.text().contains("/s/chosen-early/" + id + "/360p/index.m3u8?early=true"), chosen.text());
        Http.Response master = Http.get(uri("/play/" + id + "/master.m3u8?early=true"));
        assertEquals(200, master.status(), master.text());
        String session = master.header("X-Session-Id");
        List<String> renditions = List.of("360p", "240p", "audio");
        for (String r : renditions) {
            assertTrue(master.text().contains(earlyPlaylist(session, id, r)), master.text());
        }
        Map<String, String> first = new HashMap<>();
        Map<String, byte[]> earlyBytes = new HashMap<>();
        for (String r : renditions) {
            Http.Response pl = Http.get(uri(earlyPlaylist(session, id, r)));
            assertEquals(200, pl.status(), pl.text());
            assertEquals("no-cache", pl.header("Cache-Control"), "a growing playlist must be reloaded");
            String text = pl.text();
            assertTrue(text.contains("#EXT-X-PLAYLIST-TYPE:EVENT") && text.contains("#EXT-X-START:TIME-OFFSET=0"), text);
            assertFalse(text.contains("#EXT-X-ENDLIST"), text);
            // Only the accepted chunk 0: its two segments, globally numbered from 0.
            assertEquals(List.of("seg_00000.m4s", "seg_00001.m4s"), segments(text), r + ":\n" + text);
            first.put(r, text);
            for (String f : List.of("init.mp4", "seg_00000.m4s", "seg_00001.m4s")) {
                Http.Response got = Http.get(uri(variant(session, id, r, f)));
                assertEquals(200, got.status(), r + "/" + f + ": " + got.text());
                earlyBytes.put(r + "/" + f, got.body());
            }
            // A segment of a chunk not yet accepted is not served.
            assertEquals(404, Http.get(uri(variant(session, id, r, "seg_00002.m4s"))).status());
        }

        // Chunk 1 accepted: every playlist grows by its segments; what was listed stays exactly as it was.
        p.permit(1);
        Await.until(WAIT, "the playlists to grow", () -> segments(Http.get(uri(earlyPlaylist(session, id, "360p")))
                .text()).size() == 4);
        Map<String, String> grownBy = new HashMap<>();
        for (String r : renditions) {
            String grown = Http.get(uri(earlyPlaylist(session, id, r))).text();
            grownBy.put(r, grown);
            assertTrue(grown.startsWith(first.get(r)), "an EVENT playlist only grows at its end:\n" + first.get(r)
                    + "---\n" + grown);
            assertEquals(List.of("seg_00000.m4s", "seg_00001.m4s", "seg_00002.m4s", "seg_00003.m4s"), segments(grown),
                    r + ":\n" + grown);
        }

        // The last chunk: published. The same URIs now serve the published copies, the same bytes. The session
        // that started early gets its EVENT playlist's last state: what it had, the rest, then EXT-X-ENDLIST (RFC
        // 8216 §6.2.1: only appended lines and the end tag); a session that starts now gets the VOD playlist of
        // the same segments.
        p.permit(1);
        JsonNode ready = VideoWait.ready(uri("/videos/" + id), WAIT);
        assertTrue(ready.path("playable").asBoolean());
        assertTrue(ready.path("playable_url").isNull(), "ready: playback_url is the one to use");
        assertEquals(playableAt, Instant.parse(ready.path("playable_at").asText()), "playable_at is kept");
        Instant readyAt = Instant.parse(ready.path("history").get(ready.path("history").size() - 1).path("at").asText());
        assertTrue(playableAt.isBefore(readyAt), playableAt + " before " + readyAt);
        Await.until(WAIT, "the published playlists to be served", () -> Http.get(uri(earlyPlaylist(session, id,
                "360p"))).text().contains("#EXT-X-ENDLIST"));
        Http.Response laterMaster = Http.get(uri("/play/" + id + "/master.m3u8"));
        assertEquals(200, laterMaster.status(), "ready: the contract's master, without opting in");
        String later = laterMaster.header("X-Session-Id");
        Http.Response optedInLate = Http.get(uri("/play/" + id + "/master.m3u8?early=true"));
        assertEquals(200, optedInLate.status(), optedInLate.text());
        assertFalse(optedInLate.text().contains("early=true"), "a ready video's master is the usual one:\n"
                + optedInLate.text());
        for (String r : renditions) {
            String ended = Http.get(uri(earlyPlaylist(session, id, r))).text();
            assertTrue(ended.startsWith(grownBy.get(r)), "the early session's playlist only grew:\n" + grownBy.get(r)
                    + "---\n" + ended);
            assertTrue(ended.endsWith("#EXT-X-ENDLIST\n"), ended);
            String vod = Http.get(uri(variant(later, id, r, "index.m3u8"))).text();
            assertTrue(vod.contains("#EXT-X-PLAYLIST-TYPE:VOD") && vod.endsWith("#EXT-X-ENDLIST\n"), vod);
            assertEquals(segments(vod), segments(ended), "the published segments, in both");
            assertEquals(extinfs(vod), extinfs(ended), "with the same durations");
            if (!r.equals("audio")) {
                assertEquals(6, segments(vod).size(), vod);
            }
            for (String f : List.of("init.mp4", "seg_00000.m4s", "seg_00001.m4s")) {
                assertArrayEquals(earlyBytes.get(r + "/" + f), Http.get(uri(variant(session, id, r, f))).body(),
                        r + "/" + f + " is the same object before and after publish");
            }
        }

        // Chunks are claimed in playback order, and the session that started early is logged as such.
        List<String> claimed = EventLogs.events(p.logs, "TASK_CLAIMED", e -> id.equals(e.path("video_id").asText())
                && "VIDEO_CHUNK".equals(e.path("kind").asText())).stream().map(e -> e.path("variant").asText()).toList();
        assertEquals(List.of("c0000-0s-4s", "c0001-4s-8s", "c0002-8s-end"), claimed);
        List<JsonNode> serves = EventLogs.events(p.logs, "SERVE", e -> session.equals(e.path("session_id").asText()));
        assertFalse(serves.isEmpty());
        for (JsonNode s : serves) {
            assertTrue(s.path("early").asBoolean(), "every line of a session that started early: " + s);
        }
        assertTrue(serves.stream().anyMatch(s -> s.path("processing").asBoolean() && "segment".equals(s.path("kind").asText())),
                "segments served while processing");
        assertTrue(serves.stream().anyMatch(s -> !s.path("processing").asBoolean() && "segment".equals(s.path("kind").asText())),
                "segments served after publish");
        List<JsonNode> played = EventLogs.events(p.logs, "PLAYABLE", e -> id.equals(e.path("video_id").asText()));
        assertEquals(1, played.size(), "PLAYABLE once per generation: " + played);
    }

    @Test
    void a_video_that_fails_after_becoming_playable_stops_being_playable_with_a_json_error() throws Exception {
        String id = p.upload(clips.make(MediaClips.Clip.of("playable-fails-10s", 640, 360, 10, 2)), "fails");
        p.permit(2);
        Await.until(WAIT, "the video to become playable", () -> video(id).path("playable").asBoolean());
        Http.Response master = Http.get(uri("/play/" + id + "/master.m3u8?early=true"));
        assertEquals(200, master.status(), master.text());
        String session = master.header("X-Session-Id");
        assertEquals(200, Http.get(uri(earlyPlaylist(session, id, "240p"))).status());

        p.failNextEncode();
        p.permit(1);
        JsonNode failed = VideoWait.status(uri("/videos/" + id), "failed", WAIT);
        assertFalse(failed.path("playable").asBoolean(), failed.toString());
        assertTrue(failed.path("playable_at").isNull(), failed.toString());
        assertTrue(failed.path("playable_url").isNull(), failed.toString());
        // Without the opt-in a failed video is not ready, as it always was.
        Http.Response notReady = Http.get(uri("/play/" + id + "/master.m3u8"));
        assertEquals(409, notReady.status(), notReady.text());
        assertEquals("VIDEO_NOT_READY", notReady.json().path("error").path("code").asText(), notReady.text());
        for (String path : List.of(earlyPlaylist(session, id, "240p"), variant(session, id, "240p", "seg_00000.m4s"),
                "/play/" + id + "/master.m3u8?early=true")) {
            Http.Response r = Await.value(WAIT, "playback of the failed video to be refused", () -> {
                Http.Response got = Http.get(uri(path));
                return got.status() == 409 ? got : null;
            });
            assertEquals("VIDEO_FAILED", r.json().path("error").path("code").asText(), path + ": " + r.text());
            assertTrue(r.json().path("error").path("message").asText().contains("TEST_BROKEN_CHUNK"), r.text());
            assertEquals("*", r.header("Access-Control-Allow-Origin"), "a player in a browser can read it");
        }
    }

    private static List<String> extinfs(String playlist) {
        List<String> out = new ArrayList<>();
        playlist.lines().filter(l -> l.startsWith("#EXTINF")).forEach(out::add);
        return out;
    }

    /** A variant playlist URI as an early master hands it out: with the opt-in marker. */
    static String earlyPlaylist(String session, String id, String rendition) {
        return variant(session, id, rendition, "index.m3u8") + "?early=true";
    }

    static String variant(String session, String id, String rendition, String file) {
        return "/s/" + session + "/" + id + "/" + rendition + "/" + file;
    }
}
