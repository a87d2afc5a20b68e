package io.vidforge.playable;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.tasks.TaskKind;
import io.vidforge.testing.Http;
import io.vidforge.testing.ModuleHarness;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestTimings;
import io.vidforge.worker.Handlers;
import io.vidforge.worker.PermanentTaskException;
import io.vidforge.worker.TaskContext;
import io.vidforge.worker.TaskHandler;
import io.vidforge.worker.WorkerModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The playable-early tests' platform: upload, orchestrator and segment roles in one node, and one worker
 * (one task at a time) running the real media handlers under the chunked plan (2 s segments, 4 s chunks),
 * except that every encode (AUDIO and VIDEO_CHUNK) first waits for a permit the test hands out
 * ({@link #permit}). So the test decides how many encodes have been accepted at any moment, and can look at
 * a video between its first chunk and the next, on any machine speed. {@link #failNextEncode} makes the next
 * permitted encode fail permanently, as a broken chunk would.
 */
final class PlayableNode implements AutoCloseable {
    final Map<String, String> env;
    final Node node;
    final ModuleHarness<WorkerModule> worker;
    final Path logs;
    private final Semaphore permits = new Semaphore(0);
    private final AtomicBoolean failNext = new AtomicBoolean();

    PlayableNode(String name) {
        env = TestNodes.environment(name);
        Map<String, String> settings = TestTimings.with(TestTimings.SINGLE_NODE, "TRANSCODE_SPLIT", "chunk",
                "CHUNK_SECONDS", "4", "WORKER_CONCURRENCY", "1", "FFMPEG_X264_PRESET", "ultrafast",
                "LEASE_SECONDS", "30");
        node = TestNodes.start(env, "app-1", EnumSet.of(Role.UPLOAD, Role.ORCHESTRATOR, Role.SEGMENT), settings,
                Clock.systemUTC());
        try {
            worker = ModuleHarness.start(env, "worker-1", settings, Clock.systemUTC(),
                    p -> new WorkerModule(p, gated(Handlers.create(p))));
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        logs = Path.of(env.get("DATA_DIR"), "logs");
    }

    /** Lets {@code n} more encodes run. */
    void permit(int n) {
        permits.release(n);
    }

    /** The next permitted encode fails with a permanent error (the video fails). */
    void failNextEncode() {
        failNext.set(true);
    }

    String upload(Path clip, String title) throws Exception {
        Http.Response up = Http.post(node.baseUri().resolve("/upload?title=" + title), Files.readAllBytes(clip),
                "video/mp4");
        if (up.status() != 201) {
            throw new AssertionError("upload: " + up.status() + " " + up.text());
        }
        return up.json().get("video_id").asText();
    }

    private Map<TaskKind, TaskHandler> gated(Map<TaskKind, TaskHandler> real) {
        Map<TaskKind, TaskHandler> m = new EnumMap<>(real);
        for (TaskKind kind : new TaskKind[] {TaskKind.AUDIO, TaskKind.VIDEO_CHUNK}) {
            TaskHandler h = real.get(kind);
            m.put(kind, new TaskHandler() {
                @Override
                public TaskKind kind() {
                    return kind;
                }

                @Override
                public String handle(TaskContext ctx) throws Exception {
                    while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        if (ctx.cancelled()) {
                            throw new IllegalStateException("cancelled while waiting for a permit");
                        }
                    }
                    if (failNext.compareAndSet(true, false)) {
                        throw new PermanentTaskException("TEST_BROKEN_CHUNK", "the test broke " + ctx.task().variant());
                    }
                    return h.handle(ctx);
                }
            });
        }
        return m;
    }

    @Override
    public void close() {
        permits.release(1000); // nothing waits for a permit once the test is over
        worker.close();
        node.close();
    }
}
