package io.vidforge.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What one playback session did, as the logs prove it. Times are offsets from the session's first event. */
public record SessionReport(
        String sessionId,
        String videoId,
        Instant start,
        Instant end,
        List<VariantSpan> timeline,
        List<Switch> switches,
        List<NodeSpan> nodes,
        CacheStats cache,
        PrefetchStats prefetch,
        List<SegmentServe> segments,
        List<Level> levels,
        List<Cap> caps) {

    public Duration length() {
        return Duration.between(start, end);
    }

    /** Moves from one node to another; leaving the node that only answered the first master is none. */
    public int nodeChanges() {
        return Math.max(0, nodes.size() - 1 - (!nodes.isEmpty() && nodes.get(0).sessionStart() ? 1 : 0));
    }

    /** A variant of the ladder as seen in this session's lines. */
    public record Level(String variant, long bandwidth, String resolution) {
    }

    /** Consecutive segments served from one variant. */
    public record VariantSpan(String variant, long bandwidth, String resolution, Duration from, Duration to,
                              int firstSegment, int lastSegment, int segments) {
    }

    /** A change of variant between two consecutive segments. */
    public record Switch(Duration at, String from, String to, long fromBandwidth, long toBandwidth, int atSegment) {
        public String direction() {
            return toBandwidth > fromBandwidth ? "up" : toBandwidth < fromBandwidth ? "down" : "lateral";
        }
    }

    /** The direction of every switch in order, e.g. {@code [up, down, up]}. */
    public List<String> switchDirections() {
        return switches.stream().map(Switch::direction).toList();
    }

    /** A server-side throughput cap set ({@code kbps > 0}) or removed (0) on a node (SHAPE lines). */
    public record Cap(Duration at, long kbps, String node) {
    }

    /**
     * Consecutive requests answered by one node. {@code sessionStart}: only the session's first master,
     * from a node other than the next one (any node may start a session), so not a node change.
     */
    public record NodeSpan(String node, Duration from, Duration to, int requests, boolean sessionStart) {
    }

    /** SERVE lines with a cache outcome (playlists, init and media segments); masters are not cached. */
    public record CacheStats(int hits, int misses, int joined, int segmentHits, int segmentMisses) {
        public double hitRatio() {
            return hits + misses == 0 ? 0 : hits / (double) (hits + misses);
        }

        public double segmentHitRatio() {
            return segmentHits + segmentMisses == 0 ? 0 : segmentHits / (double) (segmentHits + segmentMisses);
        }
    }

    /**
     * Read-ahead of this session. Of the prefetches that read from S3 ({@code fetched}): {@code used} were
     * later served from this node's cache to this session ({@code usedInFlight} of them by a request that
     * waited on the still-running prefetch), {@code wasted} were never requested by it, and {@code lost}
     * were requested but not served from that prefetch (another node answered, or it had been evicted).
     */
    public record PrefetchStats(int started, Map<String, Integer> results, int fetched, int used, int usedInFlight,
                                int wasted, int lost, int skipped) {
    }

    /**
     * One media segment served, for the chart. {@code early}: served before the video was ready, from its
     * accepted chunks (the SERVE line's {@code processing}; docs/processing.md, "Playable early").
     */
    public record SegmentServe(Duration at, String variant, long bandwidth, int segment, String node, String cache,
                               boolean joined, long bytes, double durationMs, boolean early) {
        public SegmentServe(Duration at, String variant, long bandwidth, int segment, String node, String cache,
                            boolean joined, long bytes, double durationMs) {
            this(at, variant, bandwidth, segment, node, cache, joined, bytes, durationMs, false);
        }
    }

    /** Media segments served before the video was ready (the session started while it was still encoding). */
    public long earlySegments() {
        return segments.stream().filter(SegmentServe::early).count();
    }
}
