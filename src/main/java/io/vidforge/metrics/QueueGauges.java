package io.vidforge.metrics;

import io.vidforge.db.Sql;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Queue depth read from the database when /metrics is scraped: tasks by state and kind, videos by
 * status. Every node can answer it (they share one database); every known state is reported, zeros
 * included, so a series never disappears when its queue drains.
 */
final class QueueGauges {
    private final Sql sql;

    QueueGauges(Sql sql) {
        this.sql = sql;
    }

    void register(MetricsRegistry r) {
        r.gauge("vidforge_tasks", "Tasks in the database by state and kind, read at scrape time.",
                List.of("state", "kind"), this::tasks);
        r.gauge("vidforge_videos", "Videos in the database by status, read at scrape time.", List.of("status"),
                this::videos);
        r.gauge("vidforge_webhook_deliveries", "Webhook deliveries in the database by state (pending, sent, dead),"
                + " read at scrape time.", List.of("state"), this::webhooks);
    }

    private Map<List<String>, Double> webhooks() {
        Map<List<String>, Double> m = new HashMap<>();
        for (String s : List.of("pending", "sent", "dead")) {
            m.put(List.of(s), 0.0);
        }
        for (Object[] row : sql.query("SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state",
                rs -> new Object[] {rs.getString(1), rs.getLong(2)})) {
            m.put(List.of(((String) row[0]).toLowerCase(Locale.ROOT)), ((Long) row[1]).doubleValue());
        }
        return m;
    }

    private Map<List<String>, Double> tasks() {
        Map<List<String>, Double> m = new HashMap<>();
        for (TaskState s : TaskState.values()) {
            for (TaskKind k : TaskKind.values()) {
                m.put(List.of(s.name(), k.name()), 0.0);
            }
        }
        for (Object[] row : sql.query("SELECT state, kind, COUNT(*) FROM tasks GROUP BY state, kind",
                rs -> new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3)})) {
            m.put(List.of((String) row[0], (String) row[1]), ((Long) row[2]).doubleValue());
        }
        return m;
    }

    private Map<List<String>, Double> videos() {
        Map<List<String>, Double> m = new HashMap<>();
        for (VideoStatus s : VideoStatus.values()) {
            m.put(List.of(s.id()), 0.0);
        }
        for (Object[] row : sql.query("SELECT status, COUNT(*) FROM videos GROUP BY status",
                rs -> new Object[] {rs.getString(1), rs.getLong(2)})) {
            m.put(List.of(((String) row[0]).toLowerCase(Locale.ROOT)), ((Long) row[1]).doubleValue());
        }
        return m;
    }
}
