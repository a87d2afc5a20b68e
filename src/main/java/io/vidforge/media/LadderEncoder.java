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
            out.add(packageVideo(EncodeArguments.rungDir(outRoot, r), source, r, ladder, result, source.durationS()));
        }
        if (audio) {
            out.add(packageAudio(EncodeArguments.audioDir(outRoot), source, ladder, result));
        }
        return out;
    }

    /**
     * Every rung in {@code rungs} for one time chunk of the source, {@code startS} to {@code endS} (exclusive;
     * negative: to the end), with one ffmpeg process ({@link EncodeArguments#forChunk}); no audio. Each rung's
     * segments are numbered globally and their fragments carry global decode times, so a chunk's files are
     * the whole-ladder encode's files for that range, but for the encoder's own bits.
     *
     * @param progress fraction of the chunk encoded, in [0,1]
     * @throws IOException when ffmpeg fails ({@link FfmpegFailedException}) or a rung did not get exactly the
     *                     chunk's frames (both retryable)
     */
    public List<EncodedRung> encodeChunk(Path input, SourceInfo source, List<Rung> rungs, Ladder ladder, int startS,
                                         int endS, Path outRoot, DoubleConsumer progress, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        for (Rung r : rungs) {
            Files.createDirectories(EncodeArguments.rungDir(outRoot, r));
        }
        MediaSettings settings = tools.settings();
        double seconds = Math.max(0.001, (endS < 0 ? source.durationS() : Math.min(endS, source.durationS())) - startS);
        List<String> command = tools.ffmpeg(EncodeArguments.forChunk(input, source, rungs, ladder,
                settings.x264Preset(), outRoot, startS, endS));
        // ffmpeg reports the output time from the chunk's first frame (measured: 0 to the chunk's length, even
        // with -copyts), which is also what keeps the stall watchdog fed.
        RunControl control = RunControl.streaming(settings.encodeTimeout(seconds), new FfmpegProgress(seconds, progress))
                .stallAfter(settings.stallTimeout())
                .cancelWhen(cancelled);
        ProcessResult result = tools.run(command, control);
        String what = "chunk " + startS + "-" + (endS < 0 ? "end" : endS) + " s of " + rungs.stream().map(Rung::name).toList();
        if (!result.succeeded()) {
            throw new FfmpegFailedException("ffmpeg encoding " + what, result);
        }
        LOG.log(Level.FINE, "encoded {0} in {1}", new Object[] {what, result.elapsed()});
        List<EncodedRung> out = new ArrayList<>(rungs.size());
        for (Rung r : rungs) {
            Path dir = EncodeArguments.rungDir(outRoot, r);
            EncodedRung e = packageVideo(dir, source, r, ladder, result, seconds);
            ChunkCut cut = ChunkCut.of(ladder.frameRateFor(source, r), startS, endS);
            VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(e.playlist(), StandardCharsets.UTF_8));
            checkCut(what, r, ladder, startS, cut, playlist);
            long timescale = new InitSegment(Files.readAllBytes(dir.resolve(playlist.mapUri()))).timescale()
                    .orElseThrow(() -> new IOException("no mdhd timescale in " + r.name() + "'s init segment"));
            long offset = cut.offsetTicks(timescale);
            for (VariantPlaylist.Segment s : playlist.segments()) {
                if (FragmentTimes.shift(dir.resolve(s.uri()), offset) == 0) {
                    throw new IOException(s.uri() + " of " + r.name() + " has no tfdt to place it on the timeline");
                }
            }
            out.add(e);
        }
        return out;
    }

    /**
     * The chunk's rung starts with the segment of the chunk's global number and, unless it runs to the end,
     * lasts exactly its frames: a seek that landed late or a cut off by one would show here, not at playback.
     */
    private static void checkCut(String what, Rung r, Ladder ladder, int startS, ChunkCut cut, VariantPlaylist playlist)
            throws IOException {
        String first = String.format(java.util.Locale.ROOT, EncodeArguments.SEGMENT_PATTERN, startS / ladder.segmentSeconds());
        if (!playlist.segments().get(0).uri().equals(first)) {
            throw new IOException(FfmpegFailedException.CODE + ": " + what + ": " + r.name() + " starts with "
                    + playlist.segments().get(0).uri() + ", not " + first);
        }
        if (cut.frames() >= 0) {
            double expected = cut.frames() / cut.rate().value();
            if (Math.abs(playlist.totalDuration() - expected) > 0.5 / cut.rate().value()) {
                throw new IOException(String.format(java.util.Locale.ROOT,
                        "%s: %s: %s lasts %.6f s where its %d frames last %.6f s", FfmpegFailedException.CODE, what,
                        r.name(), playlist.totalDuration(), cut.frames(), expected));
            }
        }
    }

    /** A rung's output as written: its playlist re-rendered, its files listed, its codec and rates measured. */
    private record Packaged(VariantPlaylist playlist, List<Path> media, Path playlistFile, InitSegment init,
                            VariantBandwidth bandwidth) {
    }

    private Packaged packaged(Path outDir, String name, double seconds, ProcessResult result) throws IOException {
        Path playlistFile = outDir.resolve(EncodeArguments.PLAYLIST);
        if (!Files.isRegularFile(playlistFile)) {
            throw new FfmpegFailedException("ffmpeg wrote no playlist for " + name + "; ffmpeg", result);
        }
        VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(playlistFile, StandardCharsets.UTF_8));
        List<Path> media = new ArrayList<>();
        media.add(existing(outDir, playlist.mapUri()));
        for (VariantPlaylist.Segment s : playlist.segments()) {
            Path segment = existing(outDir, s.uri());
            // ffmpeg's styp promises a segment index (msix) the segments no longer carry.
            SegmentBrands.declareCmaf(segment);
            media.add(segment);
        }
        // Our rendering, not ffmpeg's: the same tags whatever ffmpeg version wrote the files.
        Files.writeString(playlistFile, playlist.render(), StandardCharsets.UTF_8);
        if (playlist.totalDuration() < 0.8 * seconds) {
            LOG.warning(() -> String.format("%s covers %.2f s of %.2f s of source; the source may be damaged",
                    name, playlist.totalDuration(), seconds));
        }
        InitSegment init = new InitSegment(Files.readAllBytes(outDir.resolve(playlist.mapUri())));
        VariantBandwidth bw = VariantBandwidth.measure(playlist, uri -> size(outDir.resolve(uri)));
        return new Packaged(playlist, media, playlistFile, init, bw);
    }

    private EncodedRung packageVideo(Path outDir, SourceInfo source, Rung rung, Ladder ladder, ProcessResult result,
                                     double seconds) throws IOException {
        Packaged p = packaged(outDir, rung.name(), seconds, result);
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
        Packaged p = packaged(outDir, Variant.AUDIO, source.durationS(), result);
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
