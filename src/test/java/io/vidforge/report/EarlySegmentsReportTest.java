package io.vidforge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report marks the segments a session was served before its video was ready (playable early, the SERVE
 * lines' {@code processing}): counted per session, starred in the text timeline, ringed in the HTML chart.
 */
class EarlySegmentsReportTest {
    private static final String VIDEO = "c".repeat(64);

    @TempDir
    Path dir;

    private static String serve(int ms, int segment, boolean processing) {
        return "{\"ts\":\"2026-12-05T02:00:0" + ms / 1000 + "." + String.format("%03d", ms % 1000) + "Z\",\"node_id\":\"segment-1\","
                + "\"role\":\"segment\",\"event\":\"SERVE\",\"video_id\":\"" + VIDEO + "\",\"session_id\":\"E1\","
                + "\"early\":true," + (processing ? "\"processing\":true," : "")
                + "\"variant\":\"360p\",\"bandwidth\":800000,\"resolution\":\"640x360\",\"kind\":\"segment\","
                + "\"segment\":" + segment + ",\"cache\":\"MISS\",\"bytes\":1000,\"duration_ms\":0.5}";
    }

    @Test
    void segments_served_before_ready_are_counted_starred_and_ringed() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(serve(0, 0, true));
        lines.add(serve(500, 1, true));
        lines.add(serve(1000, 2, false));
        Files.write(dir.resolve("segment-1.jsonl"), lines);
        PlaybackReport report = PlaybackReport.build(dir, Optional.empty(), Optional.empty());
        SessionReport s = report.sessions().get(0);
        assertEquals(2, s.earlySegments());
        assertTrue(s.segments().get(0).early() && s.segments().get(1).early());
        assertFalse(s.segments().get(2).early(), "served after publish");
        String text = TextReport.render(report);
        assertTrue(text.contains("playable early: 2 media segment(s) served before the video was ready"), text);
        assertTrue(text.contains("* 2 early"), text);
        String html = HtmlReport.render(report);
        assertEquals(2, html.split("class=\"early\"", -1).length - 1, "two ringed dots");
        assertTrue(html.contains("3 (2 early)"), "the summary counts them");
    }
}
