package io.vidforge.report;

import java.util.Locale;
import java.util.Map;

/** The report as plain text for a terminal: one block per session. */
public final class TextReport {
    private TextReport() {
    }

    public static String render(PlaybackReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append("Playback report: ").append(report.sessions().size()).append(" session(s), ")
                .append(report.events()).append(" events from ").append(report.files().size())
                .append(" log file(s) in ").append(report.logDir()).append('\n');
        if (report.skippedLines() > 0) {
            sb.append("(skipped ").append(report.skippedLines()).append(" unreadable line(s))\n");
        }
        for (SessionReport s : report.sessions()) {
            sb.append('\n').append(session(s));
        }
        return sb.toString();
    }

    static String session(SessionReport s) {
        StringBuilder sb = new StringBuilder();
        sb.append("== session ").append(s.sessionId()).append("  video ").append(s.videoId()).append('\n');
        sb.append("   ").append(s.start()).append(" .. ").append(s.end()).append("  (").append(Format.seconds(s.length()))
                .append(")\n");
        SessionReport.CacheStats c = s.cache();
        sb.append(String.format(Locale.ROOT, "   cache: %s hit ratio (%d hits, %d misses, %d of them waited on an in-flight read);"
                        + " segments %s (%d/%d)%n", Format.percent(c.hitRatio()), c.hits(), c.misses(), c.joined(),
                Format.percent(c.segmentHitRatio()), c.segmentHits(), c.segmentHits() + c.segmentMisses()));
        SessionReport.PrefetchStats p = s.prefetch();
        sb.append(String.format(Locale.ROOT, "   read-ahead: %d started, %d fetched: %d used (%d while in flight), %d wasted,"
                        + " %d lost; %d skipped (overload)%n", p.started(), p.fetched(), p.used(), p.usedInFlight(),
                p.wasted(), p.lost(), p.skipped()));
        if (!p.results().isEmpty()) {
            sb.append("   results:");
            for (Map.Entry<String, Integer> e : p.results().entrySet()) {
                sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
            }
            sb.append('\n');
        }
        if (s.earlySegments() > 0) {
            sb.append("   playable early: ").append(s.earlySegments())
                    .append(" media segment(s) served before the video was ready (marked * below)\n");
        }
        sb.append("   variant timeline:\n");
        if (s.timeline().isEmpty()) {
            sb.append("     (no media segments served)\n");
        }
        for (SessionReport.VariantSpan v : s.timeline()) {
            long early = s.segments().stream().filter(p2 -> p2.early() && p2.variant().equals(v.variant())
                    && !p2.at().minus(v.from()).isNegative() && !v.to().minus(p2.at()).isNegative()).count();
            sb.append(String.format(Locale.ROOT, "     %10s .. %10s  %-6s %9s %-9s segments %d..%d (%d)%s%n", Format.offset(v.from()),
                    Format.offset(v.to()), v.variant(), Format.bandwidth(v.bandwidth()),
                    v.resolution() == null ? "" : v.resolution(), v.firstSegment(), v.lastSegment(), v.segments(),
                    early > 0 ? "  * " + early + " early" : ""));
        }
        sb.append("   switches: ").append(s.switches().size());
        if (!s.switches().isEmpty()) {
            sb.append("  (").append(String.join(" ", s.switchDirections())).append(')');
        }
        sb.append('\n');
        for (SessionReport.Switch w : s.switches()) {
            sb.append(String.format(Locale.ROOT, "     %10s  %-4s %s -> %s at segment %d (%s -> %s)%n", Format.offset(w.at()),
                    w.direction(), w.from(), w.to(), w.atSegment(), Format.bandwidth(w.fromBandwidth()),
                    Format.bandwidth(w.toBandwidth())));
        }
        if (!s.caps().isEmpty()) {
            sb.append("   server-side caps (POST /s/{session}/shape):\n");
            for (SessionReport.Cap cap : s.caps()) {
                sb.append(String.format(Locale.ROOT, "     %10s  %s on %s%n", Format.offset(cap.at()),
                        cap.kbps() > 0 ? "cap " + Format.bandwidth(cap.kbps() * 1000) : "cap removed", cap.node()));
            }
        }
        sb.append("   nodes: ").append(s.nodes().size()).append(" span(s), ").append(s.nodeChanges())
                .append(" change(s)\n");
        for (SessionReport.NodeSpan n : s.nodes()) {
            sb.append(String.format(Locale.ROOT, "     %10s .. %10s  %-16s %d request(s)%s%n", Format.offset(n.from()),
                    Format.offset(n.to()), n.node(), n.requests(), n.sessionStart() ? "  (session start)" : ""));
        }
        return sb.toString();
    }
}
