package io.vidforge.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One line of a node's event log. {@code order} is the line's position when all logs were read (file by
 * file, line by line), which keeps one node's events in write order when timestamps tie.
 */
public record LogEvent(Instant ts, long order, JsonNode fields) {
    public String event() {
        return text("event");
    }

    public String node() {
        return text("node_id");
    }

    public String session() {
        return text("session_id");
    }

    public String video() {
        return text("video_id");
    }

    public String variant() {
        return text("variant");
    }

    public long bandwidth() {
        return fields.path("bandwidth").asLong(0);
    }

    public String resolution() {
        return text("resolution");
    }

    /** {@code master}, {@code playlist}, {@code init} or {@code segment}. */
    public String kind() {
        return text("kind");
    }

    /** The segment index, or -1 when the line has none. */
    public int segment() {
        JsonNode s = fields.get("segment");
        return s != null && s.canConvertToInt() ? s.asInt() : -1;
    }

    public String cache() {
        return text("cache");
    }

    public String result() {
        return text("result");
    }

    public boolean joined() {
        return "JOINED".equals(text("load"));
    }

    public boolean head() {
        return "HEAD".equals(text("method"));
    }

    public long prefetchId() {
        return fields.path("prefetch_id").asLong(-1);
    }

    /** About the audio rendition ({@code variant: "audio"}), which every video variant plays with. */
    public boolean isAudio() {
        return "audio".equals(variant());
    }

    /** A segment of a video variant the node answered in full: what the ABR timeline and switches count. */
    public boolean isVideoSegmentServe() {
        return isSegmentServe() && !isAudio();
    }

    /** A segment the node answered in full (HEADs and responses the client abandoned are not loads). */
    public boolean isSegmentServe() {
        return "SERVE".equals(event()) && "segment".equals(kind()) && !head() && !aborted();
    }

    /** A SERVE the client abandoned mid-body ({@code "aborted":true}, with the bytes it got to). */
    public boolean aborted() {
        return fields.path("aborted").asBoolean(false);
    }

    /** What a serve or prefetch was about: variant, kind and segment (node not included). */
    public String target() {
        return variant() + "/" + kind() + (segment() >= 0 ? "/" + segment() : "");
    }

    private String text(String name) {
        JsonNode n = fields.get(name);
        return n == null || n.isNull() ? null : n.asText();
    }
}
