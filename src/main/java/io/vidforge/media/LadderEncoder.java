package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Encodes rungs of the ladder (all of them, or the one a per-rung task asks for) into CMAF/fMP4 HLS
 * variants on local disk with one ffmpeg process that decodes the source once, then rewrites each
 * variant's playlist with every tag Safari needs and measures its bit rates.
 */
public final class LadderEncoder {
    private static final Logger LOG = Logger.getLogger(LadderEncoder.class.getName());

    private final MediaTools tools;

    public LadderEncoder(MediaTools tools) {
        this.tools = tools;
    }

    /**
     * @param rungs    the rungs to encode, in the order the result lists them
     * @param outRoot  an empty or missing directory; each rung's index.m3u8, init.mp4 and seg_NNNNN.m4s go
     *                 to its own {@link EncodeArguments#rungDir}
     * @param progress fraction of the source encoded (by the whole process, every rung), in [0,1]
     * @throws FfmpegFailedException   ffmpeg failed (retryable; message has its stderr)
     * @throws ProcessAbortedException stalled, timed out or cancelled
     */
    public List<EncodedRung> encode(Path input, SourceInfo source, List<Rung> rungs, Ladder ladder, Path outRoot,
                                    DoubleConsumer progress, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        for (Rung r : rungs) {
            Files.createDirectories(EncodeArguments.rungDir(outRoot, r));
        }
        MediaSettings settings = tools.settings();
        List<String> command = tools.ffmpeg(EncodeArguments.forLadder(input, source, rungs, ladder,
                settings.x264Preset(), outRoot));
        RunControl control = RunControl.streaming(settings.encodeTimeout(source.durationS()),
                        new FfmpegProgress(source.durationS(), progress))
                .stallAfter(settings.stallTimeout())
                .cancelWhen(cancelled);
        ProcessResult result = tools.run(command, control);
        String what = rungs.stream().map(Rung::name).toList().toString();
        if (!result.succeeded()) {
            throw new FfmpegFailedException("ffmpeg encoding " + what, result);
        }
        LOG.log(Level.FINE, "encoded {0} in {1}", new Object[] {what, result.elapsed()});
        List<EncodedRung> out = new ArrayList<>(rungs.size());
        for (Rung r : rungs) {
            out.add(packageOutput(EncodeArguments.rungDir(outRoot, r), source, r, ladder, result));
        }
        return out;
    }

    private EncodedRung packageOutput(Path outDir, SourceInfo source, Rung rung, Ladder ladder, ProcessResult result)
            throws IOException {
        Path playlistFile = outDir.resolve(EncodeArguments.PLAYLIST);
        if (!Files.isRegularFile(playlistFile)) {
            throw new FfmpegFailedException("ffmpeg wrote no playlist for " + rung.name() + "; ffmpeg", result);
        }
        VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(playlistFile, StandardCharsets.UTF_8));
        List<Path> media = new ArrayList<>();
        media.add(existing(outDir, playlist.mapUri()));
        for (VariantPlaylist.Segment s : playlist.segments()) {
            media.add(existing(outDir, s.uri()));
        }
        // Our rendering, not ffmpeg's: the same tags whatever ffmpeg version wrote the files.
        Files.writeString(playlistFile, playlist.render(), StandardCharsets.UTF_8);

        InitSegment init = new InitSegment(Files.readAllBytes(outDir.resolve(playlist.mapUri())));
        String video = init.avc1()
                .orElseThrow(() -> new IOException("no avcC box in " + rung.name() + "'s init segment"));
        // The init segment says whether an audio track was written; trust it over the probe.
        String codecs = init.hasAacAudio() ? video + "," + CodecStrings.AAC_LC : video;

        VariantBandwidth bw = VariantBandwidth.measure(playlist, uri -> size(outDir.resolve(uri)));
        FrameSize size = FrameSize.forRung(source, rung);
        if (playlist.totalDuration() < 0.8 * source.durationS()) {
            LOG.warning(() -> String.format("%s covers %.2f s of a %.2f s source; the source may be damaged",
                    rung.name(), playlist.totalDuration(), source.durationS()));
        }
        Variant variant = new Variant(rung.name(), size.width(), size.height(), bw.peak(), bw.average(), codecs,
                OutputFrameRate.forSource(source.frameRate()).value(), playlist.segments().size(),
                ladder.segmentSeconds(), null);
        return new EncodedRung(outDir, variant, media, playlistFile);
    }

    private static Path existing(Path dir, String uri) throws IOException {
        Path p = dir.resolve(uri).normalize();
        if (!p.getParent().equals(dir.normalize()) || !Files.isRegularFile(p)) {
            throw new IOException("the playlist names " + uri + ", which ffmpeg did not write in " + dir);
        }
        return p;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
