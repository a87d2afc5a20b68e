package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/**
 * What every test cluster shows the same way, whichever harness runs it ({@link ManualCluster},
 * {@link LiveCluster}, {@link ClusterHarness}, or one node's log directory): the event lines all its
 * nodes wrote, and the assertions tests make on them.
 */
@FunctionalInterface
public interface ClusterView {
    /** The lines of event {@code name} about {@code videoId} (null: about any video), from every node's log. */
    List<JsonNode> events(String name, String videoId);

    /** A view of the event logs in one directory (a single node, or nodes sharing LOG_DIR). */
    static ClusterView ofLogDir(Path logDir) {
        return (name, videoId) -> EventLogs.events(logDir, name,
                e -> videoId == null || videoId.equals(e.path("video_id").asText()));
    }

    /** The STATE_CHANGE lines that moved {@code videoId} to {@code to}. */
    default List<JsonNode> stateChanges(String videoId, String to) {
        return events("STATE_CHANGE", videoId).stream().filter(e -> to.equals(e.path("to").asText())).toList();
    }

    /** Exactly one STATE_CHANGE moved the video to {@code to} (no transition logged twice); returns it. */
    default JsonNode assertOneStateChange(String videoId, String to) {
        List<JsonNode> changes = stateChanges(videoId, to);
        assertEquals(1, changes.size(), "exactly one STATE_CHANGE of " + videoId + " to " + to + ": " + changes);
        return changes.get(0);
    }
}
