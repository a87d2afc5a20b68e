package io.vidforge.abr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.vidforge.json.Json;
import io.vidforge.testing.Await;
import io.vidforge.testing.Browser;
import io.vidforge.testing.EventLogs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two more third-party players, from npm ({@code src/test/js}, installed by {@code npm ci}), in headless
 * Chromium: Shaka Player and dash.js play the DASH manifest of the ABR ladder ({@link AbrFixture}); under a
 * throttled browser network they switch down and, once it is released, back up, and the segment node's
 * SERVE lines for their session show the same: the top rung before the squeeze, a change down first after
 * it, a change up after the release. Shaka Player also plays the HLS master. The players run on a page of
 * another origin (a small server of this test), so this is cross-origin playback too.
 *
 * <p>Evidence of every run (the page's record, the session's log lines) is written to {@code target/abr/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashPlayersTest {
    private static final Path CLIENTS = Path.of("src/test/js");
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final Path EVIDENCE = Path.of("target", "abr");
    private static final int TOP_HEIGHT = 720;

    private AbrFixture video;
    private HttpServer pages;
    private String pageOrigin;
    private Browser browser;

    @BeforeAll
    void publishTheLadderServeThePlayersAndStartABrowser() throws Exception {
        Browser.requireInstalled();
        requireClients();
        video = AbrFixture.shared();
        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring(1);
            Path file = CLIENTS.resolve(path).normalize();
            boolean allowed = path.equals("dash-players.html") || path.startsWith("node_modules/shaka-player/dist/")
                    || path.startsWith("node_modules/dashjs/dist/");
            if (!allowed || !file.startsWith(CLIENTS) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Content-Type", path.endsWith(".html") ? "text/html; charset=utf-8"
                    : "text/javascript; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pages.start();
        pageOrigin = "http://127.0.0.1:" + pages.getAddress().getPort();
        Files.createDirectories(EVIDENCE);
        browser = Browser.start(1200, 900);
    }

    @AfterAll
    void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            // The node is the shared AbrFixture's: it closes when the test JVM exits.
            if (pages != null) {
                pages.stop(0);
            }
        }
    }

    @Test
    @Order(1)
    void shaka_player_plays_dash_and_switches_down_when_throttled_and_back_up_when_released_as_the_segment_node_logged()
            throws Exception {
        new Run("shaka", "manifest.mpd").switchDownAndUp();
    }

    @Test
    @Order(2)
    void dash_js_plays_dash_and_switches_down_when_throttled_and_back_up_when_released_as_the_segment_node_logged()
            throws Exception {
        new Run("dashjs", "manifest.mpd").switchDownAndUp();
    }

    @Test
    @Order(3)
    void shaka_player_also_plays_the_hls_master() throws Exception {
        Run run = new Run("shaka", "master.m3u8");
        run.open();
        Await.until(PHASE, "Shaka playing HLS past 4 s", () -> run.currentTime() > 4);
        List<JsonNode> serves = EventLogs.events(video.logs, "SERVE", run::mine);
        assertEquals("master", serves.get(0).path("kind").asText(), "the session started with the HLS master");
        assertTrue(serves.stream().anyMatch(e -> "playlist".equals(e.path("kind").asText())), "variant playlists");
        assertTrue(serves.stream().anyMatch(e -> "segment".equals(e.path("kind").asText())
                && "audio".equals(e.path("variant").asText())), "the audio rendition");
        assertTrue(run.vf().path("errors").isEmpty(), run.vf().toString());
    }

    @Test
    @Order(4)
    void player_page_plays_dash_with_format_dash() {
        String session = "dash-page-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        browser.clearCache();
        browser.open(video.node.baseUri() + "/player/?v=" + video.videoId + "&format=dash&session=" + session);
        Await.until(PHASE, "the player page playing DASH past 4 s", () -> {
            Object t = browser.script("return window.vf && window.vf.ready"
                    + " ? document.getElementById('video').currentTime : 0");
            return ((Number) t).doubleValue() > 4;
        });
        String engine = String.valueOf(browser.script("return window.vf.engine"));
        assertTrue(engine.startsWith("Shaka Player v5") && engine.endsWith("(DASH)"), engine);
        assertEquals(4L, browser.script("return window.vf.levels.length"), "the four rungs");
        assertEquals(0L, browser.script("return window.vf.errors.length"));
        assertTrue(((Number) browser.script("return window.vf.switches.length")).intValue() > 0, "a rung is shown as playing");
        List<JsonNode> serves = EventLogs.events(video.logs, "SERVE", e -> session.equals(e.path("session_id").asText()));
        assertEquals("mpd", serves.get(0).path("kind").asText(), "the page's session began with the DASH manifest");
        // The seek previews came in the same session, after playback had started.
        Await.until(PHASE, "the page's storyboard request", () -> EventLogs.events(video.logs, "SERVE",
                e -> session.equals(e.path("session_id").asText()) && "storyboard".equals(e.path("kind").asText())).size() == 1);
        assertTrue(serves.stream().noneMatch(e -> "master".equals(e.path("kind").asText())), "no HLS in a DASH session");
        assertTrue(serves.stream().filter(e -> "segment".equals(e.path("kind").asText())).count() >= 3,
                "segments served to the page's session");
        browser.screenshot(EVIDENCE.resolve("dash-player-page.png"));
    }

    // ---------------------------------------------------------------------------------------------

    /** One player on the harness page, in its own session. */
    private final class Run {
        final String player;
        final String manifest;
        final String session;

        Run(String player, String manifest) {
            this.player = player;
            this.manifest = manifest;
            this.session = "dash-" + player + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        }

        boolean mine(JsonNode e) {
            return session.equals(e.path("session_id").asText());
        }

        void open() {
            browser.clearCache();
            String src = video.node.baseUri() + "/play/" + video.videoId + "/" + manifest + "?session=" + session;
            browser.open(pageOrigin + "/dash-players.html?player=" + player + "&src="
                    + URLEncoder.encode(src, StandardCharsets.UTF_8));
            JsonNode vf = poll("the player to load " + manifest, v -> v.path("ready").asBoolean());
            assertTrue(vf.path("engine").asText().startsWith(player.equals("shaka") ? "Shaka Player v5" : "dash.js 5"),
                    vf.path("engine").asText());
        }

        void switchDownAndUp() throws IOException {
            open();
            // Start fast: the top rung on screen, and segments of it served.
            poll("the top rung on screen", v -> lastHeight(v) == TOP_HEIGHT);
            // Steady at the top: a loaded machine can make a player dip before the squeeze; wait for it to be back.
            Await.until(PHASE, "two top-rung segments served to " + session + ", the last one too", () -> {
                List<JsonNode> served = ServedSwitches.segmentServes(video.logs, session);
                return served.stream().filter(e -> "720p".equals(e.path("variant").asText())).count() >= 2
                        && "720p".equals(served.get(served.size() - 1).path("variant").asText());
            });
            Instant throttled = mark("browser throttled to " + AbrFixture.THROTTLE_KBPS + " kb/s");
            try {
                browser.throttle(AbrFixture.THROTTLE_KBPS);
                Await.until(PHASE, "two segments below the top rung served after the throttle", () ->
                        ServedSwitches.segmentServes(video.logs, session).stream()
                                .filter(e -> !ServedSwitches.ts(e).isBefore(throttled)
                                        && !"720p".equals(e.path("variant").asText())).count() >= 2);
            } finally {
                // Whatever happens, the next test gets an unthrottled browser.
                browser.unthrottle();
            }
            Instant released = mark("browser throttle released");
            List<ServedSwitches.Change> server = Await.value(PHASE, "a change up served after the release", () -> {
                List<ServedSwitches.Change> c = changes();
                return c.stream().anyMatch(x -> x.direction().equals("up") && !x.at().isBefore(released)) ? c : null;
            });
            JsonNode vf = poll("the picture to go down after the throttle and back to the top", v -> {
                String seen = heightsSince(v, throttled);
                return seen.matches(".*down.*") && lastHeight(v) == TOP_HEIGHT;
            });

            List<JsonNode> serves = ServedSwitches.segmentServes(video.logs, session);
            List<JsonNode> before = serves.stream().filter(e -> ServedSwitches.ts(e).isBefore(throttled)).toList();
            assertEquals("720p", before.get(before.size() - 1).path("variant").asText(), "the top rung before the squeeze");
            List<ServedSwitches.Change> after = server.stream().filter(c -> !c.at().isBefore(throttled)).toList();
            assertFalse(after.isEmpty(), "the node served other variants after the squeeze: " + server);
            assertEquals("down", after.get(0).direction(), "first change after the squeeze: " + server);
            assertTrue(after.stream().anyMatch(c -> c.direction().equals("up") && !c.at().isBefore(released)),
                    "a change up after the release: " + server);
            assertTrue(vf.path("errors").isEmpty(), "no player errors: " + vf.path("errors"));
            // The MPD started the session, and the audio AdaptationSet was fetched beside the video.
            List<JsonNode> all = EventLogs.events(video.logs, "SERVE", this::mine);
            assertEquals("mpd", all.get(0).path("kind").asText());
            assertTrue(all.stream().anyMatch(e -> "audio".equals(e.path("variant").asText())), "audio segments");
            evidence(vf, server, throttled, released);
        }

        List<ServedSwitches.Change> changes() {
            return ServedSwitches.changes(ServedSwitches.segmentServes(video.logs, session), video::direction);
        }

        Instant mark(String label) {
            Object wall = browser.script("return window.vf.mark(arguments[0]).wall", label);
            return Instant.ofEpochMilli(((Number) wall).longValue());
        }

        double currentTime() {
            return ((Number) browser.script("return document.getElementById('video').currentTime")).doubleValue();
        }

        JsonNode vf() {
            Object json = browser.script("return window.vf ? JSON.stringify(window.vf) : null");
            if (json == null) {
                return null;
            }
            try {
                return Json.MAPPER.readTree((String) json);
            } catch (IOException e) {
                throw new AssertionError("window.vf is not JSON: " + json, e);
            }
        }

        JsonNode poll(String what, java.util.function.Predicate<JsonNode> done) {
            return Await.value(PHASE, what + " (" + player + ", session " + session + ")", () -> {
                JsonNode vf = vf();
                if (vf != null && !vf.path("errors").isEmpty()) {
                    Assertions.fail("player error: " + vf.path("errors"));
                }
                return vf != null && done.test(vf) ? vf : null;
            });
        }

        /** target/abr/dash-{player}-*: the page's record and the session's log lines, and the figures. */
        void evidence(JsonNode vf, List<ServedSwitches.Change> server, Instant throttled, Instant released)
                throws IOException {
            String label = "dash-" + player;
            Files.writeString(EVIDENCE.resolve(label + "-vf.json"),
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(vf));
            List<String> lines = new ArrayList<>();
            for (JsonNode e : EventLogs.read(video.logs)) {
                if (mine(e)) {
                    lines.add(Json.MAPPER.writeValueAsString(e));
                }
            }
            Files.write(EVIDENCE.resolve(label + "-events.jsonl"), lines);
            ServedSwitches.Change down = server.stream().filter(c -> !c.at().isBefore(throttled)).findFirst().orElseThrow();
            ServedSwitches.Change up = server.stream().filter(c -> c.direction().equals("up") && !c.at().isBefore(released))
                    .findFirst().orElseThrow();
            System.out.printf(Locale.ROOT, "[%s] session %s: picture heights %s; node served %s; first change down %.1f s"
                            + " after the throttle (%s), first change up %.1f s after the release (%s)%n", vf.path("engine").asText(),
                    session, heightsSince(vf, Instant.EPOCH), server,
                    Duration.between(throttled, down.at()).toMillis() / 1000.0, down,
                    Duration.between(released, up.at()).toMillis() / 1000.0, up);
        }
    }

    private static int lastHeight(JsonNode vf) {
        JsonNode h = vf.path("heights");
        return h.isEmpty() ? 0 : h.get(h.size() - 1).path("height").asInt();
    }

    /** The picture height changes at or after {@code from}, as "720 down 240 up 720". */
    private static String heightsSince(JsonNode vf, Instant from) {
        StringBuilder sb = new StringBuilder();
        int previous = -1;
        for (JsonNode h : vf.path("heights")) {
            int height = h.path("height").asInt();
            if (h.path("wall").asLong() >= from.toEpochMilli()) {
                if (previous > 0) {
                    sb.append(height < previous ? " down " : " up ");
                }
                sb.append(height);
            }
            previous = height;
        }
        return sb.toString().strip();
    }

    /** Skips (or, under CI=true, fails) when the npm clients are not installed. */
    private static void requireClients() {
        boolean present = Files.isRegularFile(CLIENTS.resolve("node_modules/shaka-player/dist/shaka-player.compiled.js"))
                && Files.isRegularFile(CLIENTS.resolve("node_modules/dashjs/dist/modern/umd/dash.mediaplayer.min.js"));
        String message = "these tests need Shaka Player and dash.js from npm (cd src/test/js && npm ci;"
                + " ./run.sh test installs them)";
        if (!present) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
    }

}
