package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The poster image: one JPEG at the displayed size (at most 720 lines), taken 1 s in so it is not a
 * fade-in black frame, or from the middle of clips shorter than 2 s.
 */
public final class PosterExtractor {
    private static final int MAX_HEIGHT = 720;

    private final MediaTools tools;

    public PosterExtractor(MediaTools tools) {
        this.tools = tools;
    }

    public Path extract(Path input, SourceInfo source, Path jpeg, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        double at = source.durationS() >= 2 ? 1.0 : source.durationS() / 2;
        ProcessResult r = grab(input, source, jpeg, at, cancelled);
        if ((!r.succeeded() || !nonEmpty(jpeg)) && at > 0) {
            // A stream whose timestamps start late or has a gap at 1 s: the first frame will do.
            r = grab(input, source, jpeg, 0, cancelled);
        }
        if (!r.succeeded() || !nonEmpty(jpeg)) {
            throw new FfmpegFailedException("ffmpeg extracting the poster", r);
        }
        return jpeg;
    }

    private ProcessResult grab(Path input, SourceInfo source, Path jpeg, double at, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        Files.deleteIfExists(jpeg);
        FrameSize size = FrameSize.atMostHeight(source, MAX_HEIGHT);
        return tools.run(tools.ffmpeg(List.of("-v", "error", "-y",
                        "-ss", String.format(Locale.ROOT, "%.3f", at), "-i", MediaTools.fileArg(input),
                        "-map", "0:V:0", "-frames:v", "1",
                        // JPEG wants full-range YUV; ffmpeg refuses limited range without -strict.
                        "-vf", "scale=" + size.width() + ":" + size.height() + ":flags=bicubic:out_range=full,setsar=1,"
                                + "format=yuvj420p",
                        "-q:v", "3", "-update", "1", MediaTools.fileArg(jpeg))),
                RunControl.capturing(tools.settings().probeTimeout()).cancelWhen(cancelled));
    }

    private static boolean nonEmpty(Path p) throws IOException {
        return Files.isRegularFile(p) && Files.size(p) > 0;
    }
}
