package io.vidforge.worker;

import io.vidforge.Platform;
import io.vidforge.tasks.TaskKind;
import java.util.EnumMap;
import java.util.Map;

/** The task handlers a worker node runs, by kind. */
public final class Handlers {
    private Handlers() {
    }

    /**
     * The real media handlers.
     *
     * <p>STUB until the media handlers are merged: ProbeHandler, TranscodeHandler and PublishHandler are
     * written on another branch. At merge time replace the body with
     * <pre>{@code
     * return byKind(new ProbeHandler(platform.store(), platform.settings()),
     *         new TranscodeHandler(platform.store(), platform.settings()),
     *         new PublishHandler(platform.store()));
     * }</pre>
     * Until then a worker node has no handlers and claims nothing (it logs a warning at start).
     */
    public static Map<TaskKind, TaskHandler> create(Platform platform) {
        return Map.of();
    }

    /** A handler map keyed by each handler's own kind; one handler per kind. */
    public static Map<TaskKind, TaskHandler> byKind(TaskHandler... handlers) {
        Map<TaskKind, TaskHandler> m = new EnumMap<>(TaskKind.class);
        for (TaskHandler h : handlers) {
            if (m.put(h.kind(), h) != null) {
                throw new IllegalArgumentException("two handlers for " + h.kind());
            }
        }
        return m;
    }
}
