package io.vidforge.tasks;

import io.vidforge.events.Events;

/** Task events carry the same identifying fields everywhere, so a log reader can join them. */
public final class TaskEvents {
    private TaskEvents() {
    }

    public static Events.Event of(Events events, String name, Task t) {
        return events.event(name)
                .with("video_id", t.videoId())
                .with("generation", t.generation())
                .with("task_id", t.taskId())
                .with("kind", t.kind().name())
                .with("variant", t.variant())
                .with("attempt", t.attempt());
    }
}
