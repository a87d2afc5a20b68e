package io.vidforge.report;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report as one self-contained HTML file (no scripts, no external resources): a summary table, then
 * per session a chart (inline SVG: the variant as a step line over time, every media segment as a dot,
 * green for a hit, amber for a miss that waited on a prefetch, red for a miss; node spans as a band with
 * each change marked) and the timeline, switch and node tables.
 */
public final class HtmlReport {
    private static final int WIDTH = 960;
    private static final int LEFT = 150;
    private static final int RIGHT = 20;
    private static final int TOP = 16;
    private static final int PLOT_HEIGHT = 200;
    private static final int BAND_HEIGHT = 18;
    private static final int HEIGHT = TOP + PLOT_HEIGHT + 70;
    private static final String CAP_COLOR = "#c0392b";
    private static final String[] NODE_COLORS = {"#4e79a7", "#f28e2b", "#76b7b2", "#b07aa1", "#edc948", "#9c755f",
            "#59a14f", "#ff9da7"};

    private HtmlReport() {
    }

    public static String render(PlaybackReport report) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>VidForge playback report</title>\n")
                .append("<style>\n")
                .append("body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1000px}\n")
                .append("h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 4px;border-top:1px solid #ddd;padding-top:16px}\n")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\n")
                .append("th{font-weight:600;background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append(".muted{color:#777}.up{color:#2e7d32}.down{color:#c62828}.stats span{margin-right:18px}\n")
                .append("code{font-size:12px}svg{display:block;margin:10px 0}\n")
                .append("</style></head><body>\n");
        h.append("<h1>Playback report</h1>\n<p class=\"muted\">").append(report.sessions().size()).append(" session(s), ")
                .append(report.events()).append(" events from ").append(report.files().size()).append(" log file(s) in <code>")
                .append(esc(report.logDir().toString())).append("</code>");
        if (report.skippedLines() > 0) {
            h.append("; ").append(report.skippedLines()).append(" unreadable line(s) skipped");
        }
        h.append("</p>\n");
        if (report.sessions().isEmpty()) {
            h.append("<p>No playback sessions in these logs.</p>\n");
        } else {
            summary(h, report.sessions());
            for (SessionReport s : report.sessions()) {
                session(h, s);
            }
        }
        return h.append("</body></html>\n").toString();
    }

    private static void summary(StringBuilder h, List<SessionReport> sessions) {
        h.append("<table><tr><th>session</th><th>video</th><th>length</th><th>segments</th><th>hit ratio</th>")
                .append("<th>switches</th><th>node changes</th><th>prefetch used / wasted / skipped</th></tr>\n");
        for (SessionReport s : sessions) {
            h.append("<tr><td><a href=\"#s-").append(esc(s.sessionId())).append("\">").append(esc(s.sessionId()))
                    .append("</a></td><td><code>").append(esc(Format.shortId(s.videoId()))).append("</code></td><td class=\"n\">")
                    .append(Format.seconds(s.length())).append("</td><td class=\"n\">").append(s.segments().size())
                    .append(s.earlySegments() > 0 ? " (" + s.earlySegments() + " early)" : "")
                    .append("</td><td class=\"n\">").append(Format.percent(s.cache().hitRatio())).append("</td><td class=\"n\">")
                    .append(s.switches().size()).append("</td><td class=\"n\">").append(s.nodeChanges())
                    .append("</td><td class=\"n\">").append(s.prefetch().used()).append(" / ").append(s.prefetch().wasted())
                    .append(" / ").append(s.prefetch().skipped()).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void session(StringBuilder h, SessionReport s) {
        SessionReport.CacheStats c = s.cache();
        SessionReport.PrefetchStats p = s.prefetch();
        h.append("<h2 id=\"s-").append(esc(s.sessionId())).append("\">Session ").append(esc(s.sessionId())).append("</h2>\n")
                .append("<p class=\"muted\">video <code>").append(esc(s.videoId())).append("</code> · ")
                .append(esc(s.start().toString())).append(" · ").append(Format.seconds(s.length())).append("</p>\n")
                .append("<p class=\"stats\"><span><b>hit ratio</b> ").append(Format.percent(c.hitRatio())).append(" (")
                .append(c.hits()).append(" hits, ").append(c.misses()).append(" misses)</span><span><b>segments</b> ")
                .append(Format.percent(c.segmentHitRatio())).append(" hits</span><span><b>switches</b> ")
                .append(s.switches().size()).append("</span><span><b>node changes</b> ").append(s.nodeChanges())
                .append("</span><br><span><b>read-ahead</b> ").append(p.started()).append(" started, ").append(p.fetched())
                .append(" fetched: ").append(p.used()).append(" used (").append(p.usedInFlight()).append(" in flight), ")
                .append(p.wasted()).append(" wasted, ").append(p.lost()).append(" lost, ").append(p.skipped())
                .append(" skipped (overload)</span></p>\n");
        h.append(chart(s));
        if (!s.timeline().isEmpty()) {
            h.append("<table><tr><th>from</th><th>to</th><th>variant</th><th>bandwidth</th><th>resolution</th><th>segments</th></tr>\n");
            for (SessionReport.VariantSpan v : s.timeline()) {
                h.append("<tr><td class=\"n\">").append(Format.offset(v.from())).append("</td><td class=\"n\">")
                        .append(Format.offset(v.to())).append("</td><td>").append(esc(v.variant())).append("</td><td class=\"n\">")
                        .append(Format.bandwidth(v.bandwidth())).append("</td><td>").append(esc(String.valueOf(v.resolution())))
                        .append("</td><td class=\"n\">").append(v.firstSegment()).append("–").append(v.lastSegment())
                        .append(" (").append(v.segments()).append(")</td></tr>\n");
            }
            h.append("</table>\n");
        }
        if (!s.switches().isEmpty()) {
            h.append("<table><tr><th>at</th><th>switch</th><th>segment</th></tr>\n");
            for (SessionReport.Switch w : s.switches()) {
                h.append("<tr><td class=\"n\">").append(Format.offset(w.at())).append("</td><td class=\"")
                        .append(w.direction()).append("\">").append(w.direction()).append(": ").append(esc(w.from()))
                        .append(" → ").append(esc(w.to())).append("</td><td class=\"n\">").append(w.atSegment())
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        if (!s.caps().isEmpty()) {
            h.append("<table><tr><th>at</th><th>server-side cap</th><th>node</th></tr>\n");
            for (SessionReport.Cap cap : s.caps()) {
                h.append("<tr><td class=\"n\">").append(Format.offset(cap.at())).append("</td><td>")
                        .append(cap.kbps() > 0 ? Format.bandwidth(cap.kbps() * 1000) : "removed").append("</td><td>")
                        .append(esc(cap.node())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<table><tr><th>from</th><th>to</th><th>node</th><th>requests</th></tr>\n");
        for (SessionReport.NodeSpan n : s.nodes()) {
            h.append("<tr><td class=\"n\">").append(Format.offset(n.from())).append("</td><td class=\"n\">")
                    .append(Format.offset(n.to())).append("</td><td>").append(esc(n.node())).append("</td><td class=\"n\">")
                    .append(n.requests()).append(n.sessionStart() ? " (session start)" : "").append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** The step chart of one session. */
    static String chart(SessionReport s) {
        List<SessionReport.Level> levels = s.levels();
        double span = Math.max(0.001, s.length().toNanos() / 1e9);
        int plotWidth = WIDTH - LEFT - RIGHT;
        Map<String, Integer> levelIndex = new HashMap<>();
        for (int i = 0; i < levels.size(); i++) {
            levelIndex.put(levels.get(i).variant(), i);
        }
        int n = Math.max(1, levels.size());
        double step = PLOT_HEIGHT / (double) n;
        java.util.function.DoubleUnaryOperator x = t -> LEFT + t / span * plotWidth;
        java.util.function.IntToDoubleFunction y = i -> TOP + PLOT_HEIGHT - (i + 0.5) * step;

        StringBuilder g = new StringBuilder();
        g.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"system-ui,sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"variant over time\">\n");
        // Opaque, so the chart stays readable when embedded on a dark page.
        g.append("<rect width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" fill=\"#fff\"/>\n");
        g.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotWidth)
                .append("\" height=\"").append(PLOT_HEIGHT).append("\" fill=\"#fafafa\" stroke=\"#ddd\"/>\n");
        for (int i = 0; i < levels.size(); i++) {
            SessionReport.Level l = levels.get(i);
            double ly = y.applyAsDouble(i);
            g.append(line(LEFT, ly, LEFT + plotWidth, ly, "#e6e6e6", null));
            g.append(text(LEFT - 8, ly + 4, "end", esc(l.variant()) + " · " + Format.bandwidth(l.bandwidth())));
        }
        // Time axis with round ticks.
        double tick = niceTick(span);
        int axisY = TOP + PLOT_HEIGHT;
        for (double t = 0; t <= span + 1e-9; t += tick) {
            double tx = x.applyAsDouble(t);
            g.append(line(tx, axisY, tx, axisY + 4, "#999", null));
            g.append(text(tx, axisY + 15, "middle", String.format(Locale.ROOT, tick < 1 ? "%.1f s" : "%.0f s", t)));
        }
        // Node band and node changes.
        int bandY = axisY + 24;
        Map<String, String> colors = new HashMap<>();
        for (SessionReport.NodeSpan ns : s.nodes()) {
            colors.computeIfAbsent(ns.node(), k -> NODE_COLORS[colors.size() % NODE_COLORS.length]);
        }
        List<SessionReport.NodeSpan> nodes = s.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            SessionReport.NodeSpan ns = nodes.get(i);
            double from = x.applyAsDouble(seconds(ns.from()));
            double to = i + 1 < nodes.size() ? x.applyAsDouble(seconds(nodes.get(i + 1).from())) : LEFT + plotWidth;
            g.append("<rect x=\"").append(fmt(from)).append("\" y=\"").append(bandY).append("\" width=\"")
                    .append(fmt(Math.max(1, to - from))).append("\" height=\"").append(BAND_HEIGHT).append("\" fill=\"")
                    .append(colors.get(ns.node())).append("\"><title>").append(esc(ns.node())).append(": ")
                    .append(ns.requests()).append(" requests from ").append(Format.offset(ns.from())).append("</title></rect>\n");
            if (to - from > 60) {
                g.append(text(from + 4, bandY + 13, "start", esc(ns.node())).replace("<text ", "<text fill=\"#fff\" "));
            }
            if (i > 0 && !nodes.get(i - 1).sessionStart()) { // leaving the node that started the session is no change
                g.append(line(from, TOP, from, bandY + BAND_HEIGHT, "#555", "4 3"));
                g.append(text(from + 3, TOP + 11, "start", "→ " + esc(ns.node())));
            }
        }
        g.append(text(LEFT - 8, bandY + 13, "end", "node"));
        // Server-side caps (SHAPE lines): where the session's throughput limit changed.
        for (SessionReport.Cap c : s.caps()) {
            double cx = x.applyAsDouble(seconds(c.at()));
            g.append(line(cx, TOP, cx, TOP + PLOT_HEIGHT, CAP_COLOR, "6 3"));
            g.append(text(cx + 3, TOP + PLOT_HEIGHT - 6, "start",
                    c.kbps() > 0 ? "cap " + Format.bandwidth(c.kbps() * 1000) : "cap off")
                    .replace("<text ", "<text fill=\"" + CAP_COLOR + "\" "));
        }
        // The variant as a step line, then one dot per media segment.
        List<SessionReport.SegmentServe> segs = s.segments();
        if (!segs.isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < segs.size(); i++) {
                SessionReport.SegmentServe p = segs.get(i);
                double px = x.applyAsDouble(seconds(p.at()));
                double py = y.applyAsDouble(levelIndex.getOrDefault(p.variant(), 0));
                path.append(i == 0 ? "M" + fmt(px) + " " + fmt(py) : " H" + fmt(px) + " V" + fmt(py));
            }
            g.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\"/>\n");
            for (SessionReport.SegmentServe p : segs) {
                double px = x.applyAsDouble(seconds(p.at()));
                double py = y.applyAsDouble(levelIndex.getOrDefault(p.variant(), 0));
                String fill = "HIT".equals(p.cache()) ? "#2e9d4f" : p.joined() ? "#e39b1b" : "#d23c3c";
                // A segment served before the video was ready (playable early) has a dark ring.
                g.append("<circle cx=\"").append(fmt(px)).append("\" cy=\"").append(fmt(py)).append("\" r=\"4\" fill=\"")
                        .append(fill).append(p.early() ? "\" stroke=\"#222\" stroke-width=\"2\" class=\"early\"" : "\" stroke=\"#fff\"")
                        .append("><title>segment ").append(p.segment()).append(p.early() ? " (early: before ready)" : "").append(" · ")
                        .append(esc(p.variant())).append(" · ").append(esc(String.valueOf(p.cache())))
                        .append(p.joined() ? " (waited on prefetch)" : "").append(" · ").append(esc(p.node()))
                        .append(" · ").append(Format.offset(p.at())).append(" · ")
                        .append(String.format(Locale.ROOT, "%.2f ms", p.durationMs())).append("</title></circle>\n");
            }
        }
        // Legend.
        int ly = HEIGHT - 8;
        g.append("<circle cx=\"").append(LEFT + 6).append("\" cy=\"").append(ly - 4).append("\" r=\"4\" fill=\"#2e9d4f\"/>")
                .append(text(LEFT + 14, ly, "start", "hit"))
                .append("<circle cx=\"").append(LEFT + 50).append("\" cy=\"").append(ly - 4).append("\" r=\"4\" fill=\"#e39b1b\"/>")
                .append(text(LEFT + 58, ly, "start", "miss, waited on prefetch"))
                .append("<circle cx=\"").append(LEFT + 210).append("\" cy=\"").append(ly - 4).append("\" r=\"4\" fill=\"#d23c3c\"/>")
                .append(text(LEFT + 218, ly, "start", "miss"))
                .append(line(LEFT + 262, ly - 8, LEFT + 262, ly + 2, "#555", "4 3"))
                .append(text(LEFT + 268, ly, "start", "node change"))
                .append(line(LEFT + 352, ly - 8, LEFT + 352, ly + 2, CAP_COLOR, "6 3"))
                .append(text(LEFT + 358, ly, "start", "server-side cap changed"));
        return g.append("</svg>\n").toString();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /** 1, 2 or 5 times a power of ten, giving about eight ticks. */
    static double niceTick(double span) {
        double raw = span / 8;
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (raw <= m * pow) {
                return m * pow;
            }
        }
        return 10 * pow;
    }

    private static String line(double x1, double y1, double x2, double y2, String stroke, String dash) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2)
                + "\" stroke=\"" + stroke + "\"" + (dash == null ? "" : " stroke-dasharray=\"" + dash + "\"") + "/>\n";
    }

    private static String text(double x, double y, String anchor, String escapedText) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\">" + escapedText + "</text>\n";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
