package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.abr.AbrFixture;
import io.vidforge.bucket.ObjectReferences;
import io.vidforge.json.Json;
import io.vidforge.media.Storyboard;
import io.vidforge.testing.Await;
import io.vidforge.testing.Browser;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.StoryboardCues;
import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * Seek previews end to end: a real upload (the ABR tests' shared clip) is probed into a storyboard, the video JSON names it, a segment
 * node serves the VTT (per session, cues rebased onto that session's sprite URL) and the sprite through
 * its cache with SERVE lines, the bucket clean-up counts both objects as referenced, and the player page
 * shows, in Chromium, the frame of the time under the pointer over its seek bar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeekPreviewTest {
    private static final Path EVIDENCE = Path.of("target", "storyboard");
    private Node node;
    private Path logs;
    private String videoId;
    private double durationS;

    @BeforeAll
    void useTheAbrLadder() throws Exception {
        // The ABR tests' published 40 s clip: processing is most of such a test's time, so it is shared (the
        // shared node closes when the test JVM exits).
        AbrFixture abr = AbrFixture.shared();
        node = abr.node;
        logs = abr.logs;
        videoId = abr.videoId;
        durationS = abr.video.get("source").get("duration_s").asDouble();
        assertEquals("/play/" + videoId + "/storyboard.vtt", abr.video.get("storyboard_url").asText());
    }

    @Test
    void storyboard_is_served_per_session_through_the_segment_node_and_counted_as_referenced() throws Exception {
        Http.Response vtt = Http.get(node.baseUri().resolve("/play/" + videoId + "/storyboard.vtt"));
        assertEquals(200, vtt.status(), vtt.text());
        assertEquals("text/vtt; charset=utf-8", vtt.header("Content-Type"));
        assertEquals("no-store", vtt.header("Cache-Control"), "it names the session");
        assertEquals("*", vtt.header("Access-Control-Allow-Origin"));
        String session = vtt.header("X-Session-Id");
        assertTrue(SessionIds.isValid(session), session);
        String spriteUrl = "/s/" + session + "/" + videoId + "/" + Storyboard.SPRITE;
        List<StoryboardCues.Cue> cues = StoryboardCues.parse(vtt.text());

        Http.Response sprite = Http.get(node.baseUri().resolve(spriteUrl));
        assertEquals(200, sprite.status());
        assertEquals("image/jpeg", sprite.header("Content-Type"));
        assertTrue(sprite.header("Cache-Control").contains("immutable"));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(sprite.body()));
        assertNotNull(image, "the sprite is a JPEG");
        StoryboardCues.assertCoverAndFit(cues, durationS, spriteUrl, image.getWidth(), image.getHeight());
        assertEquals((int) Math.ceil(durationS / 2), cues.size(), "a " + durationS + " s video: a frame every 2 s");
        assertEquals("HIT", Http.get(node.baseUri().resolve(spriteUrl)).header("X-Cache"), "the second read is cached");
        // The session path gives the same VTT for the same session.
        assertEquals(vtt.text(), Http.get(node.baseUri().resolve("/s/" + session + "/" + videoId + "/storyboard.vtt")).text());

        List<JsonNode> serves = Await.value(Duration.ofSeconds(10), "SERVE lines of the storyboard", () -> {
            List<JsonNode> s = EventLogs.events(logs, "SERVE", e -> session.equals(e.path("session_id").asText()));
            return s.size() >= 4 ? s : null;
        });
        assertEquals(List.of("storyboard", "storyboard_sprite", "storyboard_sprite", "storyboard"),
                serves.stream().map(e -> e.path("kind").asText()).toList());
        assertEquals(sprite.body().length, serves.get(1).path("bytes").asLong());
        assertEquals(List.of("MISS", "HIT"), List.of(serves.get(1).path("cache").asText(), serves.get(2).path("cache").asText()));

        // Delete/GC and fsck see both objects as published by the video: never orphans.
        String poster = node.platform().videos().posterKey(videoId).orElseThrow();
        ObjectReferences refs = ObjectReferences.load(node.platform().videos(), node.platform().sql());
        for (String file : List.of(Storyboard.VTT, Storyboard.SPRITE)) {
            String key = Storyboard.besidePoster(poster, file);
            assertTrue(node.platform().store().exists(key), key);
            assertEquals(ObjectReferences.Reason.PUBLISHED, refs.classify(key), key);
            assertEquals(ObjectReferences.Reason.PUBLISHED, node.platform().sql().inTransaction(
                    c -> ObjectReferences.classifyNow(c, node.platform().videos(), key)), key);
        }
    }

    @Test
    void without_a_storyboard_the_answers_are_clear_json_errors_with_cors() {
        FakeLadder.Published old = FakeLadder.publish(node.platform(), "no-storyboard", 1, 2, 1_000);
        Http.Response missing = Http.get(node.baseUri().resolve("/play/" + old.videoId() + "/storyboard.vtt"));
        assertEquals(404, missing.status(), missing.text());
        assertEquals("NOT_FOUND", missing.json().path("error").path("code").asText());
        assertEquals("*", missing.header("Access-Control-Allow-Origin"));
        assertEquals(404, Http.get(node.baseUri().resolve("/s/x/" + old.videoId() + "/storyboard.jpg")).status());
        assertEquals(400, Http.get(node.baseUri().resolve("/play/nothex/storyboard.vtt")).status());
        assertEquals(400, Http.get(node.baseUri().resolve("/s/bad%20session/" + videoId + "/storyboard.jpg")).status());
        assertEquals(405, Http.post(node.baseUri().resolve("/s/x/" + videoId + "/storyboard.jpg"), new byte[] {1},
                "application/octet-stream").status());
    }

    @Test
    void player_page_shows_the_frame_under_the_pointer_over_the_seek_bar() throws Exception {
        String session = "seek-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        try (Browser browser = Browser.start(1200, 900)) {
            browser.open(node.baseUri() + "/player/?v=" + videoId + "&session=" + session);
            Await.until(Duration.ofSeconds(30), "the page to load the storyboard",
                    () -> Boolean.TRUE.equals(browser.script("return !!(window.vf && window.vf.storyboard)")));
            WebElement bar = browser.driver().findElement(By.id("seek"));
            assertTrue(bar.isDisplayed(), "the seek bar is shown once there are previews");
            int width = bar.getSize().getWidth();
            // Three-quarters along: 30 s of 40, the cue from 30 to 32 s.
            new Actions(browser.driver()).moveToElement(bar, width / 4, 0).perform();
            JsonNode preview = Await.value(Duration.ofSeconds(10), "a preview under the pointer", () -> {
                Object json = browser.script("return window.vf.preview ? JSON.stringify(window.vf.preview) : null");
                return json == null ? null : read((String) json);
            });
            double t = preview.get("t").asDouble();
            assertEquals(0.75 * durationS, t, durationS / width * 2, "the time under the pointer: " + preview);
            assertTrue(preview.get("start").asDouble() <= t && t < preview.get("end").asDouble(), preview.toString());
            assertEquals(2 * Math.floor(t / 2), preview.get("start").asDouble(), 1e-9, "a cue every 2 s: " + preview);
            assertEquals("/s/" + session + "/" + videoId + "/" + Storyboard.SPRITE, preview.get("url").asText());
            WebElement frame = browser.driver().findElement(By.id("previewFrame"));
            assertTrue(browser.driver().findElement(By.id("preview")).isDisplayed(), "the preview box is visible");
            assertEquals(preview.get("w").asInt() + "px", frame.getCssValue("width"));
            assertEquals(-preview.get("x").asInt() + "px " + -preview.get("y").asInt() + "px",
                    frame.getCssValue("background-position"));
            assertTrue(frame.getCssValue("background-image").contains(preview.get("url").asText()),
                    frame.getCssValue("background-image"));
            // The browser really fetched the sprite, from the segment node, in the page's session.
            Await.until(Duration.ofSeconds(10), "the sprite served to the page's session", () -> !EventLogs.events(logs,
                    "SERVE", e -> session.equals(e.path("session_id").asText())
                            && "storyboard_sprite".equals(e.path("kind").asText())).isEmpty());
            Files.createDirectories(EVIDENCE);
            browser.screenshot(EVIDENCE.resolve("seek-preview.png"));

            new Actions(browser.driver()).moveToElement(browser.driver().findElement(By.tagName("h1"))).perform();
            Await.until(Duration.ofSeconds(10), "the preview to hide when the pointer leaves",
                    () -> !browser.driver().findElement(By.id("preview")).isDisplayed());
            assertFalse(Boolean.TRUE.equals(browser.script("return !!window.vf.preview")));
        }
    }

    private static JsonNode read(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
