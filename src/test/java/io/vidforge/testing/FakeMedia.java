package io.vidforge.testing;

import io.vidforge.json.Json;
import io.vidforge.media.Ladder;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.PublishResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.worker.Handlers;
import io.vidforge.worker.TaskContext;
import io.vidforge.worker.TaskHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fake PROBE/TRANSCODE/PUBLISH handlers that do no media work but keep score: how many executions of
 * each task overlap (a double claim would show as 2), every execution, and every publish. A test adds
 * behaviour (block, fail, stall) through {@link #onRun}, which runs at the start of every execution.
 * One instance may serve several workers: the score is then across all of them.
 */
public final class FakeMedia {
    /** Runs at the start of each execution; may block, throw, or report progress. */
    @FunctionalInterface
    public interface Behaviour {
        void run(TaskContext ctx) throws Exception;
    }

    public record Execution(long taskId, TaskKind kind, String variant, int attempt, long version, String worker,
                            String prefix) {
    }

    private static final ThreadLocal<String> CURRENT_WORKER = new ThreadLocal<>();

    public volatile Behaviour onRun = ctx -> { };
    public volatile int sourceHeight = 720;
    public final Map<Long, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    public final AtomicInteger maxOverlapPerTask = new AtomicInteger();
    public final ConcurrentLinkedQueue<Execution> executions = new ConcurrentLinkedQueue<>();
    public final Map<String, AtomicInteger> publishesPerVideo = new ConcurrentHashMap<>();
    /**
     * When set, the handlers also write what they report, as tiny objects: the poster (PROBE), each rung's
     * playlist, init and segments (TRANSCODE) and the master (PUBLISH), under the attempt's own prefix, so
     * the bucket holds exactly the layout real workers leave (for the storage clean-up and fsck), including
     * PUBLISH's copies of the stitched chunks under its own prefix.
     */
    public volatile ObjectStore writeTo;

    /** Handlers for a worker named {@code worker} (recorded with each execution). */
    public Map<TaskKind, TaskHandler> handlers(String worker) {
        return Handlers.byKind(handler(TaskKind.PROBE, worker), handler(TaskKind.TRANSCODE, worker),
                handler(TaskKind.AUDIO, worker), handler(TaskKind.VIDEO_CHUNK, worker), handler(TaskKind.PUBLISH, worker));
    }

    /** Inside {@link #onRun}: the node id of the worker running the handler. */
    public static String currentWorker() {
        return CURRENT_WORKER.get();
    }

    public long executionsOf(long taskId) {
        return executions.stream().filter(e -> e.taskId() == taskId).count();
    }

    private TaskHandler handler(TaskKind kind, String worker) {
        return new TaskHandler() {
            @Override
            public TaskKind kind() {
                return kind;
            }

            @Override
            public String handle(TaskContext ctx) throws Exception {
                Task t = ctx.task();
                int overlap = inFlight.computeIfAbsent(t.taskId(), k -> new AtomicInteger()).incrementAndGet();
                maxOverlapPerTask.accumulateAndGet(overlap, Math::max);
                executions.add(new Execution(t.taskId(), kind, t.variant(), t.attempt(), t.version(), worker,
                        ctx.outputPrefix()));
                CURRENT_WORKER.set(worker);
                try {
                    onRun.run(ctx);
                    String result = result(ctx);
                    ObjectStore store = writeTo;
                    if (store != null) {
                        writeOutputs(store, ctx, result);
                    }
                    return result;
                } finally {
                    CURRENT_WORKER.remove();
                    inFlight.get(t.taskId()).decrementAndGet();
                }
            }

            @Override
            public String toString() {
                return "fake " + kind + " of " + worker;
            }
        };
    }

    private String result(TaskContext ctx) {
        Task t = ctx.task();
        return switch (t.kind()) {
            case PROBE -> Json.write(new ProbeResult(new SourceInfo(10.0, sourceHeight * 16 / 9, sourceHeight, "h264",
                    "aac", 30.0, 2, 0, "mov,mp4"), ctx.outputPrefix() + "poster.jpg"));
            // A whole-ladder task (variant "") reports every rung planned for the source and the audio rendition,
            // each in its own folder.
            case TRANSCODE -> Json.write(new TranscodeResult(t.variant().equals(TranscodeSplit.WHOLE_LADDER)
                    ? java.util.stream.Stream.concat(Ladder.standard(2).rungsFor(sourceHeight).stream().map(r -> r.name()),
                                    java.util.stream.Stream.of(Variant.AUDIO))
                            .map(name -> variant(name, ctx.outputPrefix() + name + "/")).toList()
                    : List.of(variant(t.variant(), ctx.outputPrefix()))));
            case AUDIO -> Json.write(new TranscodeResult(List.of(variant(Variant.AUDIO, ctx.outputPrefix()))));
            // Every rung of its time range, each in its own folder; PUBLISH "stitches" them into its own prefix.
            case VIDEO_CHUNK -> Json.write(new TranscodeResult(Ladder.standard(2).rungsFor(sourceHeight).stream()
                    .map(r -> variant(r.name(), ctx.outputPrefix() + r.name() + "/")).toList()));
            case PUBLISH -> {
                List<Variant> variants = new java.util.ArrayList<>(ctx.completedSiblings().stream()
                        .filter(s -> s.kind() == TaskKind.TRANSCODE || s.kind() == TaskKind.AUDIO)
                        .flatMap(s -> TranscodeResult.read(s.resultJson()).variants().stream()).toList());
                ctx.completedSiblings().stream().filter(s -> s.kind() == TaskKind.VIDEO_CHUNK).findFirst()
                        .ifPresent(chunk -> variants.addAll(0, TranscodeResult.read(chunk.resultJson()).variants().stream()
                                .map(v -> v.at(ctx.outputPrefix() + v.name() + "/")).toList()));
                publishesPerVideo.computeIfAbsent(t.videoId(), k -> new AtomicInteger()).incrementAndGet();
                // The poster is the one the probe extracted, as PublishHandler takes it.
                String poster = ctx.completedSiblings().stream().filter(s -> s.kind() == TaskKind.PROBE)
                        .map(s -> Json.read(s.resultJson(), ProbeResult.class).posterKey()).findFirst()
                        .orElse(ctx.outputPrefix() + "poster.jpg");
                yield Json.write(new PublishResult(variants, ctx.outputPrefix() + "master.m3u8", poster));
            }
        };
    }

    private static void writeOutputs(ObjectStore store, TaskContext ctx, String result) {
        switch (ctx.task().kind()) {
            case PROBE -> store.putBytes(ctx.outputPrefix() + "poster.jpg", TINY, "image/jpeg");
            case TRANSCODE, AUDIO, VIDEO_CHUNK -> TranscodeResult.read(result).variants()
                    .forEach(v -> writeRendition(store, v));
            case PUBLISH -> {
                // The chunked plan's stitched rungs are copies under the publish attempt's own prefix, as
                // ChunkStitcher leaves them (the chunks' own objects are then garbage for the clean-up).
                Json.read(result, PublishResult.class).variants().stream()
                        .filter(v -> v.prefix().startsWith(ctx.outputPrefix()))
                        .forEach(v -> writeRendition(store, v));
                store.putBytes(ctx.outputPrefix() + "master.m3u8",
                        "#EXTM3U\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/vnd.apple.mpegurl");
            }
        }
    }

    private static final byte[] TINY = {0, 0, 0, 8, 'f', 'r', 'e', 'e'};

    private static void writeRendition(ObjectStore store, Variant v) {
        for (int i = 0; i < v.segmentCount(); i++) {
            store.putBytes(v.prefix() + String.format("seg_%05d.m4s", i), TINY, "video/iso.segment");
        }
        store.putBytes(v.prefix() + "init.mp4", TINY, "video/mp4");
        store.putBytes(v.prefix() + "index.m3u8", FakeLadder.playlist(v.segmentCount())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/vnd.apple.mpegurl");
    }

    private static Variant variant(String name, String prefix) {
        if (name.equals(Variant.AUDIO)) {
            return Variant.audio(100_000L, 97_000L, "mp4a.40.2", 5, 2.0, prefix);
        }
        int h = Integer.parseInt(name.replace("p", ""));
        return new Variant(name, h * 16 / 9 / 2 * 2, h, h * 4000L, h * 3000L, "avc1.64001f", 30.0, 5, 2.0,
                prefix);
    }
}
