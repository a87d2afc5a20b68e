package io.vidforge.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every playback session found in the logs (optionally one session or one video's), analyzed. */
public record PlaybackReport(Path logDir, List<Path> files, int skippedLines, int events,
                             List<SessionReport> sessions) {

    public static PlaybackReport build(Path logDir, Optional<String> session, Optional<String> video) {
        EventLogReader.Logs logs = EventLogReader.read(logDir);
        Map<String, List<LogEvent>> bySession = new LinkedHashMap<>();
        for (LogEvent e : logs.events()) {
            String s = e.session();
            if (s == null || !isPlayback(e.event())) {
                continue;
            }
            if (session.isPresent() && !session.get().equals(s)) {
                continue;
            }
            bySession.computeIfAbsent(s, k -> new ArrayList<>()).add(e);
        }
        List<SessionReport> reports = new ArrayList<>();
        for (var entry : bySession.entrySet()) {
            SessionReport r = SessionAnalyzer.analyze(entry.getKey(), entry.getValue());
            if (video.isEmpty() || video.get().equals(r.videoId())) {
                reports.add(r);
            }
        }
        return new PlaybackReport(logDir, logs.files(), logs.skippedLines(), logs.events().size(), List.copyOf(reports));
    }

    /** What a segment node logs per session: requests, read-ahead and server-side caps. */
    private static boolean isPlayback(String event) {
        return "SERVE".equals(event) || "PREFETCH_START".equals(event) || "PREFETCH_RESULT".equals(event)
                || "SHAPE".equals(event);
    }

    public SessionReport session(String id) {
        return sessions.stream().filter(s -> s.sessionId().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no session " + id));
    }
}
