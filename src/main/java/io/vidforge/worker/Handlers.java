package io.vidforge.worker;

import io.vidforge.Platform;
import io.vidforge.tasks.TaskKind;
import java.util.EnumMap;
import java.util.Map;

/** The task handlers a worker node runs, by kind. */
public final class Handlers {
    private Handlers() {
    }

    /** The real media handlers: ffprobe/ffmpeg through the media package, outputs in S3. */
    public static Map<TaskKind, TaskHandler> create(Platform platform) {
        return byKind(new ProbeHandler(platform.store(), platform.settings()),
                new TranscodeHandler(platform.store(), platform.settings()),
                TranscodeHandler.forAudio(platform.store(), io.vidforge.media.Ladder.from(platform.settings()),
                        io.vidforge.media.MediaTools.from(platform.settings())),
                new ChunkHandler(platform.store(), platform.settings()),
                new PublishHandler(platform.store(), platform.settings()));
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
