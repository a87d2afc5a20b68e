package io.vidforge.report;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns one session's log lines (in time order) into a {@link SessionReport}. */
public final class SessionAnalyzer {
    private SessionAnalyzer() {
    }

    public static SessionReport analyze(String sessionId, List<LogEvent> events) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("session " + sessionId + " has no events");
        }
        Instant start = events.get(0).ts();
        Instant end = events.get(events.size() - 1).ts();
        String video = events.stream().map(LogEvent::video).filter(v -> v != null).findFirst().orElse("?");
        List<LogEvent> serves = events.stream().filter(e -> "SERVE".equals(e.event()) && !e.head()).toList();
        // The audio rendition is fetched beside whichever video variant plays: it is not a rung, and an
        // audio segment between two video segments is no switch.
        List<LogEvent> segmentServes = serves.stream().filter(LogEvent::isVideoSegmentServe).toList();
        return new SessionReport(sessionId, video, start, end,
                timeline(segmentServes, start),
                switches(segmentServes, start),
                nodes(serves, start),
                cache(serves),
                prefetch(events),
                segmentServes.stream().map(e -> new SessionReport.SegmentServe(Duration.between(start, e.ts()),
                        e.variant(), e.bandwidth(), e.segment(), e.node(), e.cache(), e.joined(),
                        e.fields().path("bytes").asLong(0), e.fields().path("duration_ms").asDouble(0),
                        e.fields().path("processing").asBoolean(false))).toList(),
                levels(events),
                events.stream().filter(e -> "SHAPE".equals(e.event()))
                        .map(e -> new SessionReport.Cap(Duration.between(start, e.ts()),
                                e.fields().path("kbps").asLong(0), e.node())).toList());
    }

    private static List<SessionReport.VariantSpan> timeline(List<LogEvent> segs, Instant start) {
        List<SessionReport.VariantSpan> spans = new ArrayList<>();
        int i = 0;
        while (i < segs.size()) {
            LogEvent first = segs.get(i);
            int j = i;
            while (j + 1 < segs.size() && same(segs.get(j + 1).variant(), first.variant())) {
                j++;
            }
            LogEvent last = segs.get(j);
            // A span lasts until the next span begins (the player was on this variant until then).
            Instant until = j + 1 < segs.size() ? segs.get(j + 1).ts() : last.ts();
            spans.add(new SessionReport.VariantSpan(first.variant(), first.bandwidth(), first.resolution(),
                    Duration.between(start, first.ts()), Duration.between(start, until),
                    first.segment(), last.segment(), j - i + 1));
            i = j + 1;
        }
        return spans;
    }

    private static List<SessionReport.Switch> switches(List<LogEvent> segs, Instant start) {
        List<SessionReport.Switch> out = new ArrayList<>();
        for (int i = 1; i < segs.size(); i++) {
            LogEvent prev = segs.get(i - 1);
            LogEvent cur = segs.get(i);
            if (!same(prev.variant(), cur.variant())) {
                out.add(new SessionReport.Switch(Duration.between(start, cur.ts()), prev.variant(), cur.variant(),
                        prev.bandwidth(), cur.bandwidth(), cur.segment()));
            }
        }
        return out;
    }

    /**
     * Runs of consecutive requests on one node. A session's first master playlist may come from any node
     * (a player asking {@code /play/{id}/master.m3u8} without a session has none to be routed by: that
     * node makes one up); when the next request is on another node, that master is the session's start,
     * marked as such and not counted as a node change.
     */
    private static List<SessionReport.NodeSpan> nodes(List<LogEvent> serves, Instant start) {
        List<SessionReport.NodeSpan> out = new ArrayList<>();
        int i = 0;
        while (i < serves.size()) {
            String node = serves.get(i).node();
            int j = i;
            while (j + 1 < serves.size() && same(serves.get(j + 1).node(), node)) {
                j++;
            }
            boolean sessionStart = i == 0 && j == 0 && serves.size() > 1 && startsSessions(serves.get(0).kind());
            out.add(new SessionReport.NodeSpan(node, Duration.between(start, serves.get(i).ts()),
                    Duration.between(start, serves.get(j).ts()), j - i + 1, sessionStart));
            i = j + 1;
        }
        return out;
    }

    /**
     * What /play/{id}/… answers on any node without a session: the HLS master, the DASH manifest or the
     * storyboard's cues (a client may fetch the seek previews first).
     */
    private static boolean startsSessions(String kind) {
        return "master".equals(kind) || "mpd".equals(kind) || "storyboard".equals(kind);
    }

    private static SessionReport.CacheStats cache(List<LogEvent> serves) {
        int hits = 0;
        int misses = 0;
        int joined = 0;
        int segHits = 0;
        int segMisses = 0;
        for (LogEvent e : serves) {
            boolean hit = "HIT".equals(e.cache());
            boolean miss = "MISS".equals(e.cache());
            hits += hit ? 1 : 0;
            misses += miss ? 1 : 0;
            joined += e.joined() ? 1 : 0;
            if (e.isSegmentServe()) {
                segHits += hit ? 1 : 0;
                segMisses += miss ? 1 : 0;
            }
        }
        return new SessionReport.CacheStats(hits, misses, joined, segHits, segMisses);
    }

    /**
     * A prefetch that read from S3 is matched with this session's first later request for the same object
     * (requests after its PREFETCH_START): a HIT on the prefetching node, or a MISS that waited on its
     * read (JOINED), means the read-ahead did its job.
     */
    private static SessionReport.PrefetchStats prefetch(List<LogEvent> events) {
        Map<String, Integer> startIndex = new HashMap<>();
        Map<String, Integer> results = new TreeMap<>();
        int started = 0;
        int fetched = 0;
        int used = 0;
        int usedInFlight = 0;
        int wasted = 0;
        int lost = 0;
        int skipped = 0;
        for (int i = 0; i < events.size(); i++) {
            LogEvent e = events.get(i);
            if ("PREFETCH_START".equals(e.event())) {
                started++;
                startIndex.put(key(e), i);
            } else if ("PREFETCH_RESULT".equals(e.event()) && e.result() != null) {
                results.merge(e.result(), 1, Integer::sum);
                skipped += "SKIPPED_OVERLOAD".equals(e.result()) ? 1 : 0;
                if (!"FETCHED".equals(e.result())) {
                    continue;
                }
                fetched++;
                int from = startIndex.getOrDefault(key(e), i);
                LogEvent request = firstServeAfter(events, from, e.target());
                if (request == null) {
                    wasted++;
                } else if (same(request.node(), e.node()) && ("HIT".equals(request.cache()) || request.joined())) {
                    used++;
                    usedInFlight += request.joined() ? 1 : 0;
                } else {
                    lost++;
                }
            }
        }
        return new SessionReport.PrefetchStats(started, results, fetched, used, usedInFlight, wasted, lost, skipped);
    }

    /** Prefetch ids are counted per node: the key is the pair. */
    private static String key(LogEvent e) {
        return e.node() + "#" + e.prefetchId();
    }

    private static LogEvent firstServeAfter(List<LogEvent> events, int from, String target) {
        for (int i = from + 1; i < events.size(); i++) {
            LogEvent e = events.get(i);
            if ("SERVE".equals(e.event()) && !e.head() && target.equals(e.target())) {
                return e;
            }
        }
        return null;
    }

    private static List<SessionReport.Level> levels(List<LogEvent> events) {
        Map<String, SessionReport.Level> byName = new LinkedHashMap<>();
        for (LogEvent e : events) {
            if (e.variant() != null && e.bandwidth() > 0 && !e.isAudio()) {
                byName.putIfAbsent(e.variant(), new SessionReport.Level(e.variant(), e.bandwidth(), e.resolution()));
            }
        }
        return byName.values().stream().sorted(Comparator.comparingLong(SessionReport.Level::bandwidth)).toList();
    }

    private static boolean same(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }
}
