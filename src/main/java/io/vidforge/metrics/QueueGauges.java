package io.vidforge.metrics;

import io.vidforge.db.VideoRepository;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Queue depth read from the database when /metrics is scraped: tasks by state and kind, videos by
 * status. Every node can answer it (they share one database); every known state is reported, zeros
 * included, so a series never disappears when its queue drains.
 */
final class QueueGauges {
    private final TaskRepository tasks;
    private final VideoRepository videos;

    QueueGauges(TaskRepository tasks, VideoRepository videos) {
        this.tasks = tasks;
        this.videos = videos;
    }

    void register(MetricsRegistry r) {
        r.gauge("vidforge_tasks", "Tasks in the database by state and kind, read at scrape time.",
                List.of("state", "kind"), this::tasks);
        r.gauge("vidforge_videos", "Videos in the database by status, read at scrape time.", List.of("status"),
                this::videos);
    }

    private Map<List<String>, Double> tasks() {
        Map<List<String>, Double> m = new HashMap<>();
        for (TaskState s : TaskState.values()) {
            for (TaskKind k : TaskKind.values()) {
                m.put(List.of(s.name(), k.name()), 0.0);
            }
        }
        for (TaskRepository.QueueCount c : tasks.countByStateAndKind()) {
            m.put(List.of(c.state(), c.kind()), (double) c.tasks());
        }
        return m;
    }

    private Map<List<String>, Double> videos() {
        Map<List<String>, Double> m = new HashMap<>();
        videos.countByStatus().forEach((status, n) -> m.put(List.of(status), n.doubleValue()));
        return m;
    }
}
