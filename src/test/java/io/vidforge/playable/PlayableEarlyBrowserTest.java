package io.vidforge.playable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import io.vidforge.testing.Await;
import io.vidforge.testing.Browser;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Playback while encoding, proven in a browser: hls.js in headless Chromium opens the player page of a
 * chunked video as soon as it is playable (audio and first chunk accepted) and plays it to the end while the
 * later chunks are still being encoded and the video is published under it: no error, no stall longer than
 * one segment (2 s). Each later chunk is let through only when playback nears it, so the player demonstrably
 * plays segments before the video is ready; the SERVE lines show them (processing=true, early=true) and the
 * session's later segments, served after publish, as early=true too. A video that fails while it plays early
 * stops the player, which shows the failure and its reason.
 */
class PlayableEarlyBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SESSION = "early-play";

    @Test
    void hls_js_starts_while_processing_and_plays_to_the_end_across_publish_without_error_or_long_stall()
            throws Exception {
        Browser.requireInstalled();
        MediaClips clips = new MediaClips(Files.createTempDirectory("playable-browser"));
        try (PlayableNode p = new PlayableNode("playable-browser")) {
            // 12 s at 240p (one rung and the audio): chunks 0-4, 4-8 and 8-12 s; 6 segments of 2 s.
            String id = p.upload(clips.make(MediaClips.Clip.of("playable-12s-240p", 426, 240, 12, 2)), "early-browser");
            p.permit(2); // the audio and chunk 0
            Await.until(WAIT, "the video to become playable", () ->
                    Http.get(p.node.baseUri().resolve("/videos/" + id)).json().path("playable").asBoolean());
            // Early playback is the player's opt-in: the contract's master still says 409 until ready.
            Http.Response contract = Http.get(p.node.baseUri().resolve("/play/" + id + "/master.m3u8"));
            assertEquals(409, contract.status(), contract.text());
            assertEquals("VIDEO_NOT_READY", contract.json().path("error").path("code").asText());
            try (Browser browser = Browser.start(1000, 800)) {
                // Every stall after the first frame, with how long it lasted (the start is not a stall).
                browser.beforeEveryPage("window.stalls = []; document.addEventListener('DOMContentLoaded', () => {"
                        + " const v = document.getElementById('video'); let since = null; let started = false;"
                        + " v.addEventListener('playing', () => { started = true; });"
                        + " v.addEventListener('waiting', () => { if (started) { since = performance.now(); } });"
                        + " const back = () => { if (since !== null) { window.stalls.push({at: v.currentTime,"
                        + " ms: performance.now() - since}); since = null; } };"
                        + " v.addEventListener('playing', back); v.addEventListener('timeupdate', () => {"
                        + " if (since !== null && !v.paused && v.readyState >= 3) { back(); } }); });");
                browser.open(p.node.baseUri().resolve("/player/?v=" + id + "&loop=0&session=" + SESSION).toString());
                String ready = Http.get(p.node.baseUri().resolve("/videos/" + id)).json().path("status").asText();
                assertEquals("processing", ready, "the player opened before the video was ready");
                // Let each next chunk through only when playback is one chunk and a segment before it (chunk 1 once
                // playback began), so segments are played before the video is ready, and the encode keeps ahead.
                for (int chunk = 1; chunk <= 2; chunk++) {
                    double at = Math.max(0.05, 4.0 * (chunk - 1) - 2);
                    Await.until(WAIT, "playback to reach " + at + " s", () -> currentTime(browser) >= at);
                    p.permit(1);
                }
                Await.until(WAIT, "the player to play to the end", () -> Boolean.TRUE.equals(browser.script(
                        "const v = document.getElementById('video'); return v.ended || v.currentTime > 11.5;")));
                JsonNode vf = json(browser.script(
                        "return JSON.stringify(window.vf, (k, v) => k === 'hls' ? undefined : v)"));
                assertTrue(vf.path("engine").asText().startsWith("hls.js"), vf.path("engine").asText());
                assertEquals("/s/" + SESSION + "/" + id + "/master.m3u8?early=true", vf.path("source").asText(),
                        "the player opted into early playback");
                vf.path("errors").forEach(e -> assertFalse(e.path("fatal").asBoolean(), "fatal player error: " + e));
                JsonNode stalls = json(browser.script("return JSON.stringify(window.stalls)"));
                stalls.forEach(s -> assertTrue(s.path("ms").asDouble() <= 2000,
                        "a stall longer than one segment: " + stalls));
                Set<Integer> sns = new TreeSet<>();
                vf.path("fragments").forEach(f -> sns.add(f.path("sn").asInt()));
                assertEquals(Set.of(0, 1, 2, 3, 4, 5), sns, "every segment");
            }
            JsonNode video = Http.get(p.node.baseUri().resolve("/videos/" + id)).json();
            assertEquals("ready", video.path("status").asText());
            Instant readyAt = Instant.parse(video.path("history").get(video.path("history").size() - 1).path("at").asText());
            List<JsonNode> segments = EventLogs.events(p.logs, "SERVE", e -> SESSION.equals(e.path("session_id").asText())
                    && "segment".equals(e.path("kind").asText()) && !"audio".equals(e.path("variant").asText()));
            List<JsonNode> before = segments.stream().filter(s -> Instant.parse(s.path("ts").asText()).isBefore(readyAt)).toList();
            assertTrue(before.size() >= 2, "segments served before the video was ready: " + before.size());
            before.forEach(s -> assertTrue(s.path("processing").asBoolean() && s.path("early").asBoolean(), s.toString()));
            assertTrue(segments.stream().allMatch(s -> s.path("early").asBoolean()), "the whole session started early");
            System.out.println("[measured] playable early: " + before.size() + " of " + segments.size()
                    + " video segments served before ready");

            // A video that fails while it plays early: the player page stops and shows the error.
            String broken = p.upload(clips.make(MediaClips.Clip.of("playable-fails-8s-240p", 426, 240, 8, 2)), "breaks");
            p.permit(2);
            Await.until(WAIT, "the second video to become playable", () ->
                    Http.get(p.node.baseUri().resolve("/videos/" + broken)).json().path("playable").asBoolean());
            try (Browser browser = Browser.start(1000, 800)) {
                browser.open(p.node.baseUri().resolve("/player/?v=" + broken + "&loop=0&session=early-fails").toString());
                Await.until(WAIT, "the player to start", () -> currentTime(browser) > 0.2);
                p.failNextEncode();
                p.permit(1);
                String shown = Await.value(WAIT, "the player to show the failure", () -> {
                    Object text = browser.script("const m = document.getElementById('message');"
                            + " return m && !m.hidden ? m.textContent : null;");
                    return text instanceof String t && t.contains("TEST_BROKEN_CHUNK") ? t : null;
                });
                assertTrue(shown.contains("failed"), shown);
            }
        }
    }

    private static double currentTime(Browser b) {
        Object t = b.script("const v = document.getElementById('video'); return v ? v.currentTime : 0;");
        return t instanceof Number n ? n.doubleValue() : 0;
    }

    private static JsonNode json(Object s) throws java.io.IOException {
        return Json.MAPPER.readTree((String) s);
    }
}
