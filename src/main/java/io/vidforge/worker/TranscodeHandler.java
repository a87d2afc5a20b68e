package io.vidforge.worker;

import io.vidforge.config.Settings;
import io.vidforge.http.Json;
import io.vidforge.media.EncodedRung;
import io.vidforge.media.InvalidMediaException;
import io.vidforge.media.Ladder;
import io.vidforge.media.MediaTools;
import io.vidforge.media.Prober;
import io.vidforge.media.Rung;
import io.vidforge.media.RungEncoder;
import io.vidforge.media.ScratchDir;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.TaskKind;
import java.nio.file.Path;

/**
 * TRANSCODE: one rung of the ladder. Encodes it from the raw upload into the attempt's work directory,
 * uploads init and media segments and then the playlist under the attempt's own prefix (so a stored
 * playlist only ever names segments already there), and returns the measured {@link Variant}. Local
 * files are deleted whatever happens.
 */
public final class TranscodeHandler implements TaskHandler {
    private static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";

    private final ObjectStore store;
    private final Ladder ladder;
    private final Prober prober;
    private final RungEncoder encoder;

    public TranscodeHandler(ObjectStore store, Settings settings) {
        this(store, Ladder.standard(settings.segmentSeconds()), MediaTools.from(settings));
    }

    public TranscodeHandler(ObjectStore store, Ladder ladder, MediaTools tools) {
        this.store = store;
        this.ladder = ladder;
        this.prober = new Prober(tools);
        this.encoder = new RungEncoder(tools);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.TRANSCODE;
    }

    @Override
    public String handle(TaskContext ctx) throws Exception {
        String rungName = ctx.task().variant();
        try (ScratchDir scratch = ScratchDir.in(ctx.workDir(), "transcode-" + rungName)) {
            Path input = scratch.resolve(ProbeHandler.sourceFileName(ctx.video()));
            store.download(ctx.video().rawKey(), input);
            ProbeHandler.stopIfCancelled(ctx);
            ctx.progress(0.05);
            // The committed probe decides the plan; probing again only covers a context without it.
            SourceInfo source = ctx.video().source() != null ? ctx.video().source() : prober.probe(input, ctx::cancelled);
            Rung rung = ladder.rungFor(rungName, source.height()).orElseThrow(() -> new PermanentTaskException(
                    "UNKNOWN_VARIANT", "rung '" + rungName + "' is not in the ladder for a " + source.width() + "x"
                    + source.height() + " source"));
            EncodedRung encoded = encoder.encode(input, source, rung, ladder, scratch.resolve("out"),
                    f -> ctx.progress(0.05 + 0.85 * f), ctx::cancelled);
            String prefix = ctx.outputPrefix();
            int n = encoded.mediaFiles().size();
            for (int i = 0; i < n; i++) {
                ProbeHandler.stopIfCancelled(ctx);
                Path file = encoded.mediaFiles().get(i);
                store.putFile(prefix + file.getFileName(), file, "video/mp4");
                ctx.progress(0.9 + 0.09 * (i + 1) / n);
            }
            ProbeHandler.stopIfCancelled(ctx);
            store.putFile(prefix + encoded.playlist().getFileName(), encoded.playlist(), PLAYLIST_TYPE);
            ctx.progress(1.0);
            Variant v = encoded.variant();
            return Json.write(new Variant(v.name(), v.width(), v.height(), v.bandwidth(), v.averageBandwidth(),
                    v.codecs(), v.frameRate(), v.segmentCount(), v.segmentSeconds(), prefix));
        } catch (InvalidMediaException e) {
            throw new PermanentTaskException(InvalidMediaException.CODE, e.getMessage());
        }
    }
}
