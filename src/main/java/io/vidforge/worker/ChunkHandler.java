package io.vidforge.worker;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.EncodedRung;
import io.vidforge.media.InvalidMediaException;
import io.vidforge.media.Ladder;
import io.vidforge.media.LadderEncoder;
import io.vidforge.media.MediaTools;
import io.vidforge.media.Prober;
import io.vidforge.media.ScratchDir;
import io.vidforge.model.SourceInfo;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import java.nio.file.Path;
import java.util.List;

/**
 * VIDEO_CHUNK (the chunked plan): every rung planned for the source, for the chunk's time range
 * ({@link ChunkRange}, from the task's variant), in one ffmpeg process ({@link LadderEncoder#encodeChunk}).
 * Each rung goes to {@code {prefix}{rung}/}: its init segment, its media segments under their global numbers
 * with global decode times, then its playlist. The result is a {@link TranscodeResult} of the chunk's rungs
 * (bit rates measured over the chunk alone); PUBLISH stitches the chunks of a rung into one rendition.
 */
public final class ChunkHandler implements TaskHandler {
    private final ObjectStore store;
    private final Ladder ladder;
    private final Prober prober;
    private final LadderEncoder encoder;

    public ChunkHandler(ObjectStore store, Settings settings) {
        this(store, Ladder.from(settings), MediaTools.from(settings));
    }

    public ChunkHandler(ObjectStore store, Ladder ladder, MediaTools tools) {
        this.store = store;
        this.ladder = ladder;
        this.prober = new Prober(tools);
        this.encoder = new LadderEncoder(tools);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.VIDEO_CHUNK;
    }

    @Override
    public String handle(TaskContext ctx) throws Exception {
        ChunkRange range;
        try {
            range = ChunkRange.parse(ctx.task().variant());
        } catch (IllegalArgumentException e) {
            throw new PermanentTaskException("UNKNOWN_VARIANT", e.getMessage());
        }
        if (range.startS() % ladder.segmentSeconds() != 0 || !range.last() && range.endS() % ladder.segmentSeconds() != 0) {
            throw new PermanentTaskException("UNKNOWN_VARIANT", "chunk " + range.variant()
                    + " is not whole segments of " + ladder.segmentSeconds() + " s");
        }
        try (ScratchDir scratch = ScratchDir.in(ctx.workDir(), "chunk-" + range.variant())) {
            Path input = scratch.resolve(ProbeHandler.sourceFileName(ctx.video()));
            store.download(ctx.video().rawKey(), input);
            ProbeHandler.stopIfCancelled(ctx);
            ctx.progress(0.05);
            SourceInfo source = ctx.video().source() != null ? ctx.video().source() : prober.probe(input, ctx::cancelled);
            List<EncodedRung> encoded = encoder.encodeChunk(input, source, ladder.rungsFor(source), ladder,
                    range.startS(), range.endS(), scratch.resolve("out"), f -> ctx.progress(0.05 + 0.85 * f),
                    ctx::cancelled);
            TranscodeResult result = new TranscodeResult(TranscodeHandler.upload(store, ctx, encoded, true));
            ctx.progress(1.0);
            return Json.write(result);
        } catch (InvalidMediaException e) {
            throw new PermanentTaskException(InvalidMediaException.CODE, e.getMessage());
        }
    }
}
