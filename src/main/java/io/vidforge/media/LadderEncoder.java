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
 * Encodes rungs of the ladder (all of them, or the one a per-rung task asks for) and the audio rendition
 * into CMAF/fMP4 HLS renditions on local disk with one ffmpeg process that decodes the source once, then
 * rewrites each playlist with every tag Safari needs and measures its bit rates.
 */
public final class LadderEncoder {
    private static final Logger LOG = Logger.getLogger(LadderEncoder.class.getName());

    private final MediaTools tools;

    public LadderEncoder(MediaTools tools) {
        this.tools = tools;
    }

    /** The whole ladder planned for the source, plus the audio rendition when it has audio. */
    public List<EncodedRung> encode(Path input, SourceInfo source, List<Rung> rungs, Ladder ladder, Path outRoot,
                                    DoubleConsumer progress, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        return encode(input, source, rungs, source.hasAudio(), ladder, outRoot, progress, cancelled);
    }

    /**
     * @param rungs    the rungs to encode, in the order the result lists them (may be empty with audio)
     * @param audio    whether to encode the audio rendition too; it comes last in the result
     * @param outRoot  an empty or missing directory; each rung's index.m3u8, init.mp4 and seg_NNNNN.m4s go
     *                 to its own {@link EncodeArguments#rungDir}, the audio's to {@link EncodeArguments#audioDir}
     * @param progress fraction of the source encoded (by the whole process, every rung), in [0,1]
     * @throws FfmpegFailedException   ffmpeg failed (retryable; message has its stderr)
     * @throws ProcessAbortedException stalled, timed out or cancelled
     */
    public List<EncodedRung> encode(Path input, SourceInfo source, List<Rung> rungs, boolean audio, Ladder ladder,
                                    Path outRoot, DoubleConsumer progress, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        for (Rung r : rungs) {
            Files.createDirectories(EncodeArguments.rungDir(outRoot, r));
        }
        if (audio) {
            Files.createDirectories(EncodeArguments.audioDir(outRoot));
        }
        MediaSettings settings = tools.settings();
        List<String> command = tools.ffmpeg(EncodeArguments.forLadder(input, source, rungs, audio, ladder,
                settings.x264Preset(), outRoot));
        RunControl control = RunControl.streaming(settings.encodeTimeout(source.durationS()),
                        new FfmpegProgress(source.durationS(), progress))
                .stallAfter(settings.stallTimeout())
                .cancelWhen(cancelled);
        ProcessResult result = tools.run(command, control);
        List<String> names = new ArrayList<>(rungs.stream().map(Rung::name).toList());
        if (audio) {
            names.add(Variant.AUDIO);
        }
        if (!result.succeeded()) {
            throw new FfmpegFailedException("ffmpeg encoding " + names, result);
        }
        LOG.log(Level.FINE, "encoded {0} in {1}", new Object[] {names, result.elapsed()});
        List<EncodedRung> out = new ArrayList<>(names.size());
        for (Rung r : rungs) {
            out.add(packageVideo(EncodeArguments.rungDir(outRoot, r), source, r, ladder, result));
        }
        if (audio) {
            out.add(packageAudio(EncodeArguments.audioDir(outRoot), source, ladder, result));
        }
        return out;
    }

    /** A rung's output as written: its playlist re-rendered, its files listed, its codec and rates measured. */
    private record Packaged(VariantPlaylist playlist, List<Path> media, Path playlistFile, InitSegment init,
                            VariantBandwidth bandwidth) {
    }

    private Packaged packaged(Path outDir, String name, SourceInfo source, ProcessResult result) throws IOException {
        Path playlistFile = outDir.resolve(EncodeArguments.PLAYLIST);
        if (!Files.isRegularFile(playlistFile)) {
            throw new FfmpegFailedException("ffmpeg wrote no playlist for " + name + "; ffmpeg", result);
        }
        VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(playlistFile, StandardCharsets.UTF_8));
        List<Path> media = new ArrayList<>();
        media.add(existing(outDir, playlist.mapUri()));
        for (VariantPlaylist.Segment s : playlist.segments()) {
            media.add(existing(outDir, s.uri()));
        }
        // Our rendering, not ffmpeg's: the same tags whatever ffmpeg version wrote the files.
        Files.writeString(playlistFile, playlist.render(), StandardCharsets.UTF_8);
        if (playlist.totalDuration() < 0.8 * source.durationS()) {
            LOG.warning(() -> String.format("%s covers %.2f s of a %.2f s source; the source may be damaged",
                    name, playlist.totalDuration(), source.durationS()));
        }
        InitSegment init = new InitSegment(Files.readAllBytes(outDir.resolve(playlist.mapUri())));
        VariantBandwidth bw = VariantBandwidth.measure(playlist, uri -> size(outDir.resolve(uri)));
        return new Packaged(playlist, media, playlistFile, init, bw);
    }

    private EncodedRung packageVideo(Path outDir, SourceInfo source, Rung rung, Ladder ladder, ProcessResult result)
            throws IOException {
        Packaged p = packaged(outDir, rung.name(), source, result);
        // The codec string as the encoder wrote it, not as predicted: it is what players check.
        String codecs = p.init().avc1()
                .orElseThrow(() -> new IOException("no avcC box in " + rung.name() + "'s init segment"));
        if (p.init().hasAacAudio()) {
            throw new IOException(rung.name() + " carries audio; variants are video-only");
        }
        FrameSize size = FrameSize.forRung(source, rung);
        Variant variant = new Variant(rung.name(), size.width(), size.height(), p.bandwidth().peak(),
                p.bandwidth().average(), codecs, ladder.frameRateFor(source, rung).value(),
                p.playlist().segments().size(), ladder.segmentSeconds(), null);
        return new EncodedRung(outDir, variant, p.media(), p.playlistFile());
    }

    private EncodedRung packageAudio(Path outDir, SourceInfo source, Ladder ladder, ProcessResult result)
            throws IOException {
        Packaged p = packaged(outDir, Variant.AUDIO, source, result);
        if (!p.init().hasAacAudio() || p.init().avc1().isPresent()) {
            throw new IOException("the audio rendition's init segment is not AAC alone");
        }
        Variant variant = Variant.audio(p.bandwidth().peak(), p.bandwidth().average(), CodecStrings.AAC_LC,
                p.playlist().segments().size(), ladder.segmentSeconds(), null);
        return new EncodedRung(outDir, variant, p.media(), p.playlistFile());
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
