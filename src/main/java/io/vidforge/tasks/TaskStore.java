package io.vidforge.tasks;

import io.vidforge.Platform;
import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;

/** The repositories and the wake-up signals every orchestration component works through. */
public record TaskStore(Sql sql, TaskRepository tasks, JobRepository jobs, VideoRepository videos, TaskSignals signals) {
    public static TaskStore of(Platform platform, TaskSignals signals) {
        return new TaskStore(platform.sql(), new TaskRepository(platform.sql()), new JobRepository(platform.sql()),
                platform.videos(), signals);
    }
}
