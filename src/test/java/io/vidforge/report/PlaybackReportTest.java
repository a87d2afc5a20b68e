package io.vidforge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report on a captured two-node log whose story is known: a session starts on segment-1 at 720p,
 * switches down to 480p, moves to segment-2 when segment-1 drains, and switches back up.
 */
class PlaybackReportTest {
    private static final String VIDEO = "a".repeat(64);
    private static final String OTHER_VIDEO = "b".repeat(64);
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00.000Z");
    private static final Map<String, Object[]> LADDER = Map.of(
            "720p", new Object[] {3_000_000, "1280x720"},
            "480p", new Object[] {1_300_000, "854x480"},
            "audio", new Object[] {100_000, null});

    @TempDir
    Path dir;

    /** Lines per node file, in write order. */
    private final Map<String, List<String>> files = new TreeMap<>();

    private void line(String node, long ms, String event, String session, String video, Object... kv) {
        StringBuilder sb = new StringBuilder("{\"ts\":\"").append(T0.plusMillis(ms)).append("\",\"node_id\":\"")
                .append(node).append("\",\"role\":\"segment\",\"event\":\"").append(event).append('"');
        if (video != null) {
            sb.append(",\"video_id\":\"").append(video).append("\",\"session_id\":\"").append(session).append('"');
        }
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            if (kv[i].equals("variant")) {
                Object[] rung = LADDER.get((String) v);
                sb.append(",\"variant\":\"").append(v).append("\",\"bandwidth\":").append(rung[0]);
                if (rung[1] != null) {
                    sb.append(",\"resolution\":\"").append(rung[1]).append('"');
                }
                continue;
            }
            sb.append(",\"").append(kv[i]).append("\":");
            sb.append(v instanceof String ? "\"" + v + "\"" : String.valueOf(v));
        }
        files.computeIfAbsent(node, k -> new ArrayList<>()).add(sb.append('}').toString());
    }

    private void serve(String node, long ms, String variant, String kind, int segment, String cache, Object... more) {
        List<Object> kv = new ArrayList<>(List.of("variant", variant, "kind", kind));
        if (segment >= 0) {
            kv.addAll(List.of("segment", segment));
        }
        kv.addAll(List.of("cache", cache));
        kv.addAll(List.of(more));
        kv.addAll(List.of("bytes", 1000, "duration_ms", 0.4));
        line(node, ms, "SERVE", "S1", VIDEO, kv.toArray());
    }

    private void prefetch(String node, long startMs, long endMs, int id, String variant, int segment, String result) {
        if (!result.equals("NO_NEXT_SEGMENT")) {
            line(node, startMs, "PREFETCH_START", "S1", VIDEO, "variant", variant, "kind", "segment", "segment", segment,
                    "prefetch_id", id, "trigger", "next");
        }
        line(node, endMs, "PREFETCH_RESULT", "S1", VIDEO, "variant", variant, "kind", "segment", "segment", segment,
                "prefetch_id", id, "trigger", "next", "result", result, "duration_ms", 12.5);
    }

    private void captureLog() throws IOException {
        String n1 = "segment-1";
        String n2 = "segment-2";
        line(n1, 0, "SERVE", "S1", VIDEO, "kind", "master", "bytes", 400, "duration_ms", 1.2);
        serve(n1, 10, "720p", "playlist", -1, "MISS");
        serve(n1, 20, "720p", "init", -1, "MISS");
        prefetch(n1, 95, 150, 1, "720p", 1, "FETCHED");
        serve(n1, 100, "720p", "segment", 0, "MISS");
        prefetch(n1, 1999, 3999, 2, "720p", 2, "FETCHED");
        serve(n1, 2000, "720p", "segment", 1, "HIT");
        prefetch(n1, 3998, 4050, 3, "720p", 3, "FETCHED");
        // The player asked for segment 2 while its prefetch was still reading: it waited on that read.
        serve(n1, 4000, "720p", "segment", 2, "MISS", "load", "JOINED");
        // Bandwidth drops: down to 480p at segment 3 (720p segment 3 was read ahead for nothing).
        serve(n1, 5900, "480p", "playlist", -1, "MISS");
        serve(n1, 5950, "480p", "init", -1, "MISS");
        prefetch(n1, 5999, 6080, 4, "480p", 4, "FETCHED");
        serve(n1, 6000, "480p", "segment", 3, "MISS");
        prefetch(n1, 7999, 7999, 5, "480p", 5, "SKIPPED_OVERLOAD");
        serve(n1, 8000, "480p", "segment", 4, "HIT");
        line(n1, 8100, "SERVE", "S1", VIDEO, "variant", "480p", "kind", "segment", "segment", 4, "cache", "HIT",
                "bytes", 0, "duration_ms", 0.1, "method", "HEAD");
        // segment-1 drains: nginx moves the session to segment-2.
        prefetch(n2, 9999, 10070, 1, "480p", 6, "FETCHED");
        serve(n2, 10000, "480p", "segment", 5, "MISS");
        prefetch(n2, 11999, 12100, 2, "480p", 7, "FETCHED");
        serve(n2, 12000, "480p", "segment", 6, "HIT");
        // Bandwidth recovers: up to 720p at segment 7 (480p segment 7 is never asked for).
        serve(n2, 13900, "720p", "playlist", -1, "MISS");
        serve(n2, 13950, "720p", "init", -1, "MISS");
        prefetch(n2, 13999, 14080, 3, "720p", 8, "FETCHED");
        serve(n2, 14000, "720p", "segment", 7, "MISS");
        // Another session of another video, and lines the report must ignore.
        line(n2, 500, "SERVE", "S2", OTHER_VIDEO, "variant", "480p", "kind", "segment", "segment", 0, "cache", "MISS",
                "bytes", 10, "duration_ms", 1.0);
        line(n2, 600, "SERVE", "S2", OTHER_VIDEO, "variant", "480p", "kind", "segment", "segment", 1, "cache", "HIT",
                "bytes", 10, "duration_ms", 1.0);
        files.get(n2).add("{\"ts\":\"2026-11-21T10:00:00.700Z\",\"node_id\":\"upload-1\",\"role\":\"upload\","
                + "\"event\":\"UPLOAD_RECEIVED\",\"video_id\":\"" + VIDEO + "\"}");
        files.get(n2).add("{\"ts\":\"2026-11-21T10:00:1");  // a node killed mid-write
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
    }

    @Test
    void report_tells_the_captured_session_story() throws IOException {
        captureLog();
        PlaybackReport report = PlaybackReport.build(dir, Optional.empty(), Optional.empty());
        assertEquals(2, report.sessions().size());
        assertEquals(1, report.skippedLines());
        SessionReport s = report.session("S1");
        assertEquals(VIDEO, s.videoId());
        assertEquals(Duration.ofMillis(14_080), s.length());

        List<SessionReport.VariantSpan> timeline = s.timeline();
        assertEquals(3, timeline.size());
        assertSpan(timeline.get(0), "720p", 100, 6000, 0, 2);
        assertSpan(timeline.get(1), "480p", 6000, 14000, 3, 6);
        assertSpan(timeline.get(2), "720p", 14000, 14000, 7, 7);

        assertEquals(2, s.switches().size());
        SessionReport.Switch down = s.switches().get(0);
        assertEquals(Duration.ofMillis(6000), down.at());
        assertEquals("down", down.direction());
        assertEquals("720p", down.from());
        assertEquals("480p", down.to());
        assertEquals(3, down.atSegment());
        assertEquals("up", s.switches().get(1).direction());
        assertEquals(Duration.ofMillis(14000), s.switches().get(1).at());

        assertEquals(2, s.nodes().size());
        assertEquals(1, s.nodeChanges());
        assertEquals("segment-1", s.nodes().get(0).node());
        assertEquals(10, s.nodes().get(0).requests(), "master, 2 playlists, 2 inits, 5 segments; HEAD not counted");
        assertEquals("segment-2", s.nodes().get(1).node());
        assertEquals(Duration.ofMillis(10000), s.nodes().get(1).from());
        assertEquals(5, s.nodes().get(1).requests());

        SessionReport.CacheStats c = s.cache();
        assertEquals(3, c.hits());
        assertEquals(11, c.misses());
        assertEquals(1, c.joined());
        assertEquals(3.0 / 14, c.hitRatio(), 1e-9);
        assertEquals(3, c.segmentHits());
        assertEquals(5, c.segmentMisses());

        SessionReport.PrefetchStats p = s.prefetch();
        assertEquals(8, p.started(), "the skipped one was started too");
        assertEquals(7, p.fetched());
        assertEquals(4, p.used(), "720p 1 and 2, 480p 4 on segment-1; 480p 6 on segment-2");
        assertEquals(1, p.usedInFlight());
        assertEquals(3, p.wasted(), "720p 3, 480p 7, 720p 8 were never requested");
        assertEquals(0, p.lost());
        assertEquals(1, p.skipped());
        assertEquals(8, s.segments().size());
        assertEquals(List.of("720p", "480p"), s.levels().stream().map(SessionReport.Level::variant).toList().reversed());
    }

    @Test
    void the_audio_rendition_served_between_video_segments_is_neither_a_level_nor_a_switch() throws IOException {
        serve("segment-1", 100, "480p", "segment", 0, "MISS");
        serve("segment-1", 150, "audio", "segment", 0, "MISS");
        serve("segment-1", 2000, "480p", "segment", 1, "HIT");
        serve("segment-1", 2050, "audio", "segment", 1, "HIT");
        serve("segment-1", 4000, "720p", "segment", 2, "MISS");
        serve("segment-1", 4050, "audio", "segment", 2, "HIT");
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
        SessionReport s = PlaybackReport.build(dir, Optional.empty(), Optional.empty()).session("S1");
        assertEquals(List.of("up"), s.switchDirections(), "480p → 720p only; audio lines are no switch");
        assertEquals(2, s.timeline().size());
        assertEquals(List.of("480p", "720p"), s.levels().stream().map(SessionReport.Level::variant).toList());
        assertEquals(3, s.segments().size(), "video segments only");
        assertEquals(6, s.nodes().get(0).requests(), "every request, audio included, reached the node");
    }

    @Test
    void a_first_master_from_another_node_is_the_sessions_start_and_one_failover_is_one_node_change() throws IOException {
        // /play/{id}/master.m3u8 without a session: any node answers it and names the session.
        line("segment-3", 0, "SERVE", "S1", VIDEO, "kind", "master", "bytes", 400, "duration_ms", 1.2);
        serve("segment-1", 10, "720p", "playlist", -1, "MISS");
        serve("segment-1", 100, "720p", "segment", 0, "MISS");
        serve("segment-2", 2000, "720p", "segment", 1, "MISS"); // segment-1 cut off: one failover
        serve("segment-2", 4000, "720p", "segment", 2, "HIT");
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
        SessionReport s = PlaybackReport.build(dir, Optional.empty(), Optional.empty()).session("S1");
        assertEquals(List.of("segment-3", "segment-1", "segment-2"), s.nodes().stream().map(SessionReport.NodeSpan::node).toList());
        assertEquals(List.of(true, false, false), s.nodes().stream().map(SessionReport.NodeSpan::sessionStart).toList());
        assertEquals(1, s.nodeChanges(), "the session's start is not a node change; the failover is one");
        assertTrue(TextReport.render(PlaybackReport.build(dir, Optional.empty(), Optional.empty()))
                .contains("(session start)"));
    }

    @Test
    void a_first_dash_manifest_from_another_node_is_the_sessions_start_too() throws IOException {
        // /play/{id}/manifest.mpd: any node answers it; a DASH player then asks for init and segments.
        line("segment-3", 0, "SERVE", "S1", VIDEO, "kind", "mpd", "bytes", 1400, "duration_ms", 1.2);
        serve("segment-1", 10, "720p", "init", -1, "MISS");
        serve("segment-1", 100, "720p", "segment", 0, "MISS");
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
        SessionReport s = PlaybackReport.build(dir, Optional.empty(), Optional.empty()).session("S1");
        assertEquals(List.of(true, false), s.nodes().stream().map(SessionReport.NodeSpan::sessionStart).toList());
        assertEquals(0, s.nodeChanges(), "the session's start is not a node change");
    }

    @Test
    void a_first_storyboard_from_another_node_is_the_sessions_start_too() throws IOException {
        // /play/{id}/storyboard.vtt: any node answers it and names the session; the sprite and the
        // playback then come from the session's node.
        line("segment-3", 0, "SERVE", "S1", VIDEO, "kind", "storyboard", "bytes", 900, "duration_ms", 1.0);
        serve("segment-1", 10, "720p", "playlist", -1, "MISS");
        serve("segment-1", 100, "720p", "segment", 0, "MISS");
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
        SessionReport s = PlaybackReport.build(dir, Optional.empty(), Optional.empty()).session("S1");
        assertEquals(List.of(true, false), s.nodes().stream().map(SessionReport.NodeSpan::sessionStart).toList());
        assertEquals(0, s.nodeChanges(), "the session's start is not a node change");
    }

    @Test
    void a_download_the_player_abandoned_is_neither_a_load_nor_a_switch() throws IOException {
        serve("segment-1", 100, "480p", "segment", 0, "MISS");
        // The player tried 720p for segment 1, gave up mid-body, and loaded 480p instead.
        serve("segment-1", 2000, "720p", "segment", 1, "HIT", "aborted", true);
        serve("segment-1", 3000, "480p", "segment", 1, "HIT");
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".jsonl"), e.getValue());
        }
        SessionReport s = PlaybackReport.build(dir, Optional.empty(), Optional.empty()).session("S1");
        assertEquals(List.of(), s.switches());
        assertEquals(1, s.timeline().size());
        assertSpan(s.timeline().get(0), "480p", 0, 2900, 0, 1); // times from the session's first line
        assertEquals(2, s.segments().size());
        assertEquals(3, s.nodes().get(0).requests(), "the abandoned request was still a request");
    }

    @Test
    void main_prints_the_sessions_and_writes_a_self_contained_html_chart() throws IOException {
        captureLog();
        Path html = dir.resolve("out").resolve("report.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ReportMain.run(new String[] {"--logs", dir.toString(), "--out", html.toString(), "--video", VIDEO},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("session S1"), text);
        assertTrue(!text.contains("session S2"), "filtered by video: " + text);
        assertTrue(text.contains("21.4% hit ratio (3 hits, 11 misses"), text);
        assertTrue(text.contains("down 720p -> 480p at segment 3"), text);
        assertTrue(text.contains("up   480p -> 720p at segment 7"), text);
        assertTrue(text.contains("7 fetched: 4 used (1 while in flight), 3 wasted, 0 lost; 1 skipped"), text);
        assertTrue(text.contains("segment-2"), text);

        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("<svg"), "an inline chart");
        assertTrue(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"),
                "self-contained");
        assertEquals(8, count(page, "<circle cx") - 3, "one dot per media segment (plus 3 in the legend)");
        assertTrue(page.contains("→ segment-2"), "the node change is marked");
        assertTrue(page.contains("<path d=\"M"), "the variant step line");

        ByteArrayOutputStream one = new ByteArrayOutputStream();
        assertEquals(0, ReportMain.run(new String[] {"--logs=" + dir, "--out=" + html, "--session=S2"},
                new PrintStream(one, true, StandardCharsets.UTF_8), System.err));
        assertTrue(one.toString(StandardCharsets.UTF_8).contains("1 session(s)"));
        assertEquals(2, ReportMain.run(new String[] {"--bogus"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
        assertEquals(1, ReportMain.run(new String[] {"--logs", dir.resolve("missing").toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
    }

    private static void assertSpan(SessionReport.VariantSpan span, String variant, long fromMs, long toMs, int first,
                                   int last) {
        assertEquals(variant, span.variant());
        assertEquals(Duration.ofMillis(fromMs), span.from());
        assertEquals(Duration.ofMillis(toMs), span.to());
        assertEquals(first, span.firstSegment());
        assertEquals(last, span.lastSegment());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            n++;
        }
        return n;
    }
}
