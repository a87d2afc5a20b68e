package io.vidforge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The report on logs captured from two real segment nodes: a session plays on segment-1, moves to
 * segment-2 (as nginx moves it when segment-1 drains) and switches down there.
 */
class ReportOnRealPlaybackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Node node1;
    private Node node2;

    @AfterEach
    void stop() {
        if (node1 != null) {
            node1.close();
        }
        if (node2 != null) {
            node2.close();
        }
    }

    @Test
    void the_report_of_a_real_session_shows_its_switch_its_node_change_and_read_ahead_use() throws Exception {
        Map<String, String> env = TestNodes.environment("report-real");
        node1 = TestNodes.start(env, "segment-1", Set.of(Role.SEGMENT));
        node2 = TestNodes.start(env, "segment-2", Set.of(Role.SEGMENT));
        Path logs = node1.platform().settings().logDir();
        FakeLadder.Published video = FakeLadder.publish(node1.platform(), "report-real", 2, 10, 5_000);
        String id = video.videoId();

        Http.Response master = Http.get(node1.baseUri().resolve("/play/" + id + "/master.m3u8"));
        String s = master.header("X-Session-Id");
        get(node1, s, id, "720p", "index.m3u8");
        startReadAhead(logs, s, "720p", 0); // the player parses the playlist meanwhile
        get(node1, s, id, "720p", "init.mp4");
        for (int k = 0; k < 4; k++) {
            segment(node1, logs, s, id, "720p", k);
        }
        // segment-1 drains; nginx sends the session's next requests to segment-2.
        node1.platform().draining().set(true);
        assertEquals(503, Http.get(node1.baseUri().resolve("/s/" + s + "/" + id + "/720p/seg_00004.m4s")).status());
        for (int k = 4; k < 6; k++) {
            segment(node2, logs, s, id, "720p", k);
        }
        get(node2, s, id, "480p", "index.m3u8");
        startReadAhead(logs, s, "480p", 6); // segment-2 last served this session segment 5
        get(node2, s, id, "480p", "init.mp4");
        for (int k = 6; k < 10; k++) {
            segment(node2, logs, s, id, "480p", k);
        }
        Await.until(TIMEOUT, "all SERVE and PREFETCH_RESULT lines", () ->
                EventLogs.events(logs, "SERVE", e -> s.equals(e.path("session_id").asText())).size() == 15
                        && EventLogs.events(logs, "PREFETCH_RESULT", e -> s.equals(e.path("session_id").asText()))
                        .size() == 16);

        SessionReport r = PlaybackReport.build(logs, Optional.of(s), Optional.empty()).session(s);
        assertEquals(2, r.timeline().size());
        assertEquals(6, r.timeline().get(0).segments());
        assertEquals(1, r.switches().size());
        assertEquals("down", r.switches().get(0).direction());
        assertEquals(6, r.switches().get(0).atSegment());
        assertEquals(2, r.nodes().size());
        assertEquals("segment-1", r.nodes().get(0).node());
        assertEquals(7, r.nodes().get(0).requests(), "master, playlist, init, 4 segments");
        assertEquals("segment-2", r.nodes().get(1).node());
        assertEquals(9, r.cache().segmentHits(), "0, 1, 2, 3 on segment-1; 5, 6, 7, 8, 9 on segment-2");
        assertEquals(1, r.cache().segmentMisses(), "4, the first request after the move");
        SessionReport.PrefetchStats p = r.prefetch();
        assertEquals(13, p.fetched(), "two init segments and eleven segments");
        assertEquals(11, p.used());
        assertEquals(1, p.wasted(), "720p segment 6, read ahead just before the switch");
        assertEquals(1, p.lost(), "720p segment 4, read ahead on segment-1 but asked of segment-2");
        assertEquals(1, p.results().get("NO_NEXT_SEGMENT"));

        Path html = logs.getParent().resolve("report.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, ReportMain.run(new String[] {"--logs", logs.toString(), "--out", html.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertTrue(Files.size(html) > 2_000);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("down 720p -> 480p at segment 6"), text);
        System.out.println(text);
    }

    private static void get(Node node, String s, String id, String variant, String file) {
        assertEquals(200, Http.get(node.baseUri().resolve("/s/" + s + "/" + id + "/" + variant + "/" + file)).status());
    }

    /** Waits until a playlist's read-ahead of the init segment and of {@code segment} has finished. */
    private static void startReadAhead(Path logs, String s, String variant, int segment) {
        Await.until(TIMEOUT, "read-ahead of " + variant + " init and segment " + segment, () ->
                EventLogs.events(logs, "PREFETCH_RESULT", e -> s.equals(e.path("session_id").asText())
                        && "start".equals(e.path("trigger").asText()) && variant.equals(e.path("variant").asText())
                        && "FETCHED".equals(e.path("result").asText())
                        && ("init".equals(e.path("kind").asText()) || e.path("segment").asInt(-1) == segment))
                        .size() == 2);
    }

    /** A player that asks for the next segment once the read-ahead of this one has finished. */
    private static void segment(Node node, Path logs, String s, String id, String variant, int k) {
        get(node, s, id, variant, FakeLadder.Published.segment(k));
        Await.value(TIMEOUT, "prefetch after segment " + k, () -> {
            for (JsonNode e : EventLogs.events(logs, "PREFETCH_RESULT", x -> s.equals(x.path("session_id").asText()))) {
                if (e.path("trigger_segment").asInt(-1) == k && variant.equals(e.path("variant").asText())) {
                    return e;
                }
            }
            return null;
        });
    }
}
