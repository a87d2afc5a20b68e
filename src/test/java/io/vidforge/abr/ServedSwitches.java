package io.vidforge.abr;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.EventLogs;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * The segment node's side of an ABR run: the session's video segment SERVE lines in log order and the
 * changes of variant between consecutive ones. This is the proof of a switch that does not depend on what
 * the player reports.
 */
final class ServedSwitches {
    private ServedSwitches() {
    }

    /** A change of variant between consecutive segments served to one session. */
    record Change(Instant at, String from, String to, int segment, String direction) {
        @Override
        public String toString() {
            return direction + " " + from + "->" + to + "@" + segment;
        }
    }

    /**
     * The session's video segment SERVE lines in log order (not those the player abandoned mid-body, not
     * HEADs, and not the audio rendition's, which is fetched beside every rung and is no switch).
     */
    static List<JsonNode> segmentServes(Path logs, String session) {
        return EventLogs.events(logs, "SERVE", e -> session.equals(e.path("session_id").asText())
                && "segment".equals(e.path("kind").asText())
                && !"HEAD".equals(e.path("method").asText()) && !e.path("aborted").asBoolean(false)
                && !"audio".equals(e.path("variant").asText()));
    }

    /** Changes of variant; {@code direction(from, to)} says "up" or "down". */
    static List<Change> changes(List<JsonNode> serves, BinaryOperator<String> direction) {
        List<Change> out = new ArrayList<>();
        for (int i = 1; i < serves.size(); i++) {
            String from = serves.get(i - 1).path("variant").asText();
            String to = serves.get(i).path("variant").asText();
            if (!from.equals(to)) {
                out.add(new Change(ts(serves.get(i)), from, to, serves.get(i).path("segment").asInt(),
                        direction.apply(from, to)));
            }
        }
        return out;
    }

    static Instant ts(JsonNode e) {
        return Instant.parse(e.get("ts").asText());
    }
}
