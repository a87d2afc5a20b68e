package io.vidforge.worker;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.EncodedRung;
import io.vidforge.media.InvalidMediaException;
import io.vidforge.media.Ladder;
import io.vidforge.media.LadderEncoder;
import io.vidforge.media.MediaTools;
import io.vidforge.media.Prober;
import io.vidforge.media.Rung;
import io.vidforge.media.ScratchDir;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import io.vidforge.tasks.TranscodeSplit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TRANSCODE: the whole ladder and the audio rendition (variant "", the default plan), or one rung of it or
 * the audio rendition alone (variant "audio"; the per-rung plan). Encodes
 * from the raw upload into the attempt's work directory with one ffmpeg process, uploads each rung's init
 * and media segments and then its playlist under the attempt's own prefix (so a stored playlist only ever
 * names segments already there), and returns the measured variants as a {@link TranscodeResult}. A
 * whole-ladder attempt puts each rung in its own folder, {@code {prefix}{rung}/}, and the audio in
 * {@code {prefix}audio/}; a per-rung attempt puts its rung (or the audio) at the prefix itself. Local files are deleted whatever happens.
 */
public final class TranscodeHandler implements TaskHandler {
    private static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";

    private final ObjectStore store;
    private final Ladder ladder;
    private final Prober prober;
    private final LadderEncoder encoder;
    private final TaskKind kind;

    public TranscodeHandler(ObjectStore store, Settings settings) {
        this(store, Ladder.from(settings), MediaTools.from(settings));
    }

    public TranscodeHandler(ObjectStore store, Ladder ladder, MediaTools tools) {
        this(store, ladder, tools, TaskKind.TRANSCODE);
    }

    private TranscodeHandler(ObjectStore store, Ladder ladder, MediaTools tools, TaskKind kind) {
        this.store = store;
        this.ladder = ladder;
        this.prober = new Prober(tools);
        this.encoder = new LadderEncoder(tools);
        this.kind = kind;
    }

    /**
     * The AUDIO task of the chunked plan (variant "audio"): the whole audio rendition, exactly as the per-rung
     * plan's TRANSCODE audio task encodes it, while VIDEO_CHUNK tasks encode the picture.
     */
    public static TranscodeHandler forAudio(ObjectStore store, Ladder ladder, MediaTools tools) {
        return new TranscodeHandler(store, ladder, tools, TaskKind.AUDIO);
    }

    @Override
    public TaskKind kind() {
        return kind;
    }

    @Override
    public String handle(TaskContext ctx) throws Exception {
        String rungName = ctx.task().variant();
        boolean wholeLadder = TranscodeSplit.WHOLE_LADDER.equals(rungName);
        try (ScratchDir scratch = ScratchDir.in(ctx.workDir(), wholeLadder ? "transcode" : "transcode-" + rungName)) {
            // An AUDIO task's variant is "audio": the per-rung plan's audio task, under its own kind.
            Path input = scratch.resolve(ProbeHandler.sourceFileName(ctx.video()));
            store.download(ctx.video().rawKey(), input);
            ProbeHandler.stopIfCancelled(ctx);
            ctx.progress(0.05);
            // The committed probe decides the plan; probing again only covers a context without it.
            SourceInfo source = ctx.video().source() != null ? ctx.video().source() : prober.probe(input, ctx::cancelled);
            boolean audioAlone = Variant.AUDIO.equals(rungName);
            if (audioAlone && !source.hasAudio()) {
                throw new PermanentTaskException("UNKNOWN_VARIANT", "the source has no audio to encode");
            }
            List<Rung> rungs = wholeLadder ? ladder.rungsFor(source)
                    : audioAlone ? List.of() : List.of(oneRung(rungName, source));
            boolean audio = wholeLadder ? source.hasAudio() : audioAlone;
            List<EncodedRung> encoded = encoder.encode(input, source, rungs, audio, ladder, scratch.resolve("out"),
                    f -> ctx.progress(0.05 + 0.85 * f), ctx::cancelled);
            List<Variant> variants = upload(store, ctx, encoded, wholeLadder);
            ctx.progress(1.0);
            return Json.write(new TranscodeResult(variants));
        } catch (InvalidMediaException e) {
            throw new PermanentTaskException(InvalidMediaException.CODE, e.getMessage());
        }
    }

    /**
     * Uploads encoded renditions under the attempt's prefix, each rung's media files before its playlist,
     * in a folder per rendition ({@code folderEach}) or at the prefix itself; progress from 0.9 to 0.99.
     */
    static List<Variant> upload(ObjectStore store, TaskContext ctx, List<EncodedRung> encoded, boolean folderEach) {
        int files = encoded.stream().mapToInt(e -> e.mediaFiles().size() + 1).sum();
        int uploaded = 0;
        List<Variant> variants = new ArrayList<>();
        for (EncodedRung e : encoded) {
            String prefix = folderEach ? ctx.outputPrefix() + e.variant().name() + "/" : ctx.outputPrefix();
            for (Path file : e.mediaFiles()) {
                ProbeHandler.stopIfCancelled(ctx);
                store.putFile(prefix + file.getFileName(), file, "video/mp4");
                ctx.progress(0.9 + 0.09 * ++uploaded / files);
            }
            ProbeHandler.stopIfCancelled(ctx);
            store.putFile(prefix + e.playlist().getFileName(), e.playlist(), PLAYLIST_TYPE);
            ctx.progress(0.9 + 0.09 * ++uploaded / files);
            variants.add(e.storedAt(prefix));
        }
        return variants;
    }

    private Rung oneRung(String name, SourceInfo source) throws PermanentTaskException {
        return ladder.rungFor(name, source).orElseThrow(() -> new PermanentTaskException("UNKNOWN_VARIANT",
                "rung '" + name + "' is not in the ladder for a " + source.width() + "x" + source.height() + " source"));
    }
}
