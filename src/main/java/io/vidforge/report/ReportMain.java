package io.vidforge.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code java -cp vidforge.jar io.vidforge.report.ReportMain [--session S] [--video V] [--logs DIR] [--out FILE]}:
 * reads every {@code *.jsonl} under the log directory (default {@code ./data/logs}), prints one block per
 * playback session and writes the same as a self-contained HTML chart (default {@code ./data/report.html}).
 */
public final class ReportMain {
    static final String USAGE = "usage: report [--session ID] [--video ID] [--logs DIR] [--out FILE] [--svg FILE]\n"
            + "  --logs DIR    event logs to read, every *.jsonl below it (default ./data/logs)\n"
            + "  --out FILE    the HTML report to write (default ./data/report.html)\n"
            + "  --session ID  only this playback session; its chart is also written as an SVG file\n"
            + "  --svg FILE    where that SVG goes (default report-{session}.svg next to the HTML report)\n"
            + "  --video ID    only sessions of this video";

    private ReportMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The exit status: 0 done, 1 the logs could not be read or the report not written, 2 bad arguments. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Optional<String> session = Optional.empty();
        Optional<String> video = Optional.empty();
        Path logs = Path.of("data", "logs");
        Path html = Path.of("data", "report.html");
        Optional<Path> svg = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            }
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                err.println("missing value for " + a + "\n" + USAGE);
                return 2;
            }
            switch (name) {
                case "--session" -> session = Optional.of(value);
                case "--video" -> video = Optional.of(value);
                case "--logs" -> logs = Path.of(value);
                case "--out" -> html = Path.of(value);
                case "--svg" -> svg = Optional.of(Path.of(value));
                default -> {
                    err.println("unknown argument: " + a + "\n" + USAGE);
                    return 2;
                }
            }
        }
        PlaybackReport report;
        try {
            report = PlaybackReport.build(logs, session, video);
        } catch (RuntimeException e) {
            err.println("cannot read the logs: " + e.getMessage());
            return 1;
        }
        out.print(TextReport.render(report));
        try {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("cannot write " + html + ": " + e.getMessage());
            return 1;
        }
        out.println("\nchart: " + html.toAbsolutePath().normalize());
        if (session.isPresent() && report.sessions().size() == 1) {
            // One session's chart alone, to embed in documents or issues.
            Path file = svg.orElse(html.resolveSibling("report-" + session.get().replaceAll("[^A-Za-z0-9_-]", "_") + ".svg"));
            try {
                Path dir = file.toAbsolutePath().getParent();
                if (dir != null) {
                    Files.createDirectories(dir);
                }
                Files.writeString(file, HtmlReport.chart(report.sessions().get(0)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("cannot write " + file + ": " + e.getMessage());
                return 1;
            }
            out.println("svg:   " + file.toAbsolutePath().normalize());
        }
        return 0;
    }
}
