package io.vidforge.worker;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.InvalidMediaException;
import io.vidforge.media.MediaTools;
import io.vidforge.media.PosterExtractor;
import io.vidforge.media.Prober;
import io.vidforge.media.ScratchDir;
import io.vidforge.media.Storyboard;
import io.vidforge.media.StoryboardMaker;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Video;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.TaskKind;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * PROBE: what the upload is, its poster and its seek previews. Downloads the raw object once into the
 * attempt's work directory, probes it (refusing anything that is not a decodable video with INVALID_MEDIA),
 * writes {@code poster.jpg} and the storyboard ({@link Storyboard#SPRITE}, {@link Storyboard#VTT}) under the
 * attempt's prefix and returns a {@link ProbeResult}. The storyboard is found beside the poster
 * ({@link Storyboard#besidePoster}), so the poster key published with the video references it too.
 */
public final class ProbeHandler implements TaskHandler {
    public static final String POSTER = "poster.jpg";
    private static final Logger LOG = Logger.getLogger(ProbeHandler.class.getName());

    private final ObjectStore store;
    private final Prober prober;
    private final PosterExtractor posters;
    private final StoryboardMaker storyboards;

    public ProbeHandler(ObjectStore store, Settings settings) {
        this(store, MediaTools.from(settings));
    }

    public ProbeHandler(ObjectStore store, MediaTools tools) {
        this.store = store;
        this.prober = new Prober(tools);
        this.posters = new PosterExtractor(tools);
        this.storyboards = new StoryboardMaker(tools);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.PROBE;
    }

    @Override
    public String handle(TaskContext ctx) throws Exception {
        try (ScratchDir scratch = ScratchDir.in(ctx.workDir(), "probe")) {
            Path source = scratch.resolve(sourceFileName(ctx.video()));
            store.download(ctx.video().rawKey(), source);
            stopIfCancelled(ctx);
            ctx.progress(0.4);
            SourceInfo info = prober.probe(source, ctx::cancelled);
            ctx.progress(0.7);
            Path jpeg = posters.extract(source, info, scratch.resolve(POSTER), ctx::cancelled);
            stopIfCancelled(ctx);
            String posterKey = ctx.outputPrefix() + POSTER;
            store.putFile(posterKey, jpeg, "image/jpeg");
            ctx.progress(0.8);
            storyboard(ctx, source, info, scratch.path(), ctx.outputPrefix());
            ctx.progress(1.0);
            return Json.write(new ProbeResult(info, posterKey));
        } catch (InvalidMediaException e) {
            throw new PermanentTaskException(InvalidMediaException.CODE, e.getMessage());
        }
    }

    /**
     * Seek previews are an extra: a video that plays must not fail, or wait for retries, because of them.
     * Without a storyboard the player simply shows no previews (its URL answers 404).
     */
    private void storyboard(TaskContext ctx, Path source, SourceInfo info, Path dir, String prefix)
            throws InterruptedException {
        try {
            storyboards.make(source, info, dir, ctx::cancelled);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "video " + ctx.video().videoId() + ": no storyboard: " + e.getMessage());
            return;
        }
        stopIfCancelled(ctx);
        // A storage failure is not the storyboard's fault: it fails the attempt, which is retried, as for the poster.
        store.putFile(prefix + Storyboard.SPRITE, dir.resolve(Storyboard.SPRITE), "image/jpeg");
        store.putFile(prefix + Storyboard.VTT, dir.resolve(Storyboard.VTT), Storyboard.VTT_CONTENT_TYPE);
    }

    /**
     * The upload's own extension, when it has a plain one: ffmpeg detects formats by content, but a few
     * headerless ones (raw .h264, .ts) are recognised faster and more surely by their extension.
     */
    static String sourceFileName(Video video) {
        String name = video.originalFilename() == null ? "" : video.originalFilename();
        int dot = name.lastIndexOf('.');
        String ext = dot >= 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
        return ext.matches("[a-z0-9]{1,5}") ? "source." + ext : "source";
    }

    static void stopIfCancelled(TaskContext ctx) {
        if (ctx.cancelled()) {
            throw new CancellationException("task " + ctx.task().taskId() + " attempt " + ctx.task().attempt()
                    + " was cancelled (lease lost)");
        }
    }
}
