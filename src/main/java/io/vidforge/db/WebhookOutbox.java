package io.vidforge.db;

import io.vidforge.json.Json;
import io.vidforge.model.VideoStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The transactional outbox of webhook events: {@link #record} inserts one event row on the connection of
 * the transaction that changes the video's status, so the event commits or rolls back with the change.
 * The body is fixed here, once: every delivery and retry sends the same bytes with the same {@code id}.
 */
public final class WebhookOutbox {
    private WebhookOutbox() {
    }

    /** {@code video.uploaded}, {@code video.processing}, {@code video.ready}, {@code video.failed}, … */
    public static String type(VideoStatus status) {
        return "video." + status.id();
    }

    /**
     * Adds the event for {@code videoId} reaching {@code status} at {@code at}; {@code data} carries what
     * the change knows (reason, error). Returns the event id.
     */
    public static String record(Connection c, String videoId, VideoStatus status, int generation, long at,
                                Map<String, Object> data) throws SQLException {
        String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("type", type(status));
        body.put("created_at", Json.timestamp(at));
        body.put("video_id", videoId);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("status", status.id());
        d.put("generation", generation);
        d.putAll(data);
        body.put("data", d);
        Sql.update(c, "INSERT INTO webhook_events (event_id, video_id, event_type, body, created_at)"
                + " VALUES (?, ?, ?, ?, ?)", id, videoId, type(status), Json.write(body), at);
        return id;
    }

    /**
     * Removes events older than {@code before} (the deliveries' owner removes their deliveries first, by
     * the same event time). Returns how many.
     */
    public static int prune(Sql sql, long before) {
        return sql.update("DELETE FROM webhook_events WHERE created_at < ?", before);
    }
}
