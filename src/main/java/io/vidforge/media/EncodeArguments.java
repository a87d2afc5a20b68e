package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The one place that builds ffmpeg's arguments for encoding and packaging rungs and the audio rendition.
 * One process encodes any number of rungs: the source is decoded once, deinterlaced and brought to the
 * constant frame rate once, then split into one scale chain, one x264 encoder and one video-only HLS output
 * per rung, each in its own sub-folder; the audio is encoded once, into its own HLS output ({@link #AUDIO_DIR}),
 * shared by every rung. The per-rung plan runs the same arguments with a single rung, or with the audio
 * alone. Everything that makes
 * rungs line up, whether encoded in one process or in several, is here: the same constant frame rate, IDR
 * frames forced at the same timestamps with scene-cut keyframes off and closed GOPs, and the HLS muxer
 * cutting at the first keyframe at or after each multiple of the segment duration.
 */
public final class EncodeArguments {
    public static final String PLAYLIST = "index.m3u8";
    public static final String INIT_SEGMENT = "init.mp4";
    public static final String SEGMENT_PATTERN = "seg_%05d.m4s";
    /**
     * PQ or HLG (BT.2020) to BT.709 SDR: linear light at a 100-nit reference white, primaries converted in
     * float, Hable's curve rolling highlights off (no desaturation, which greys bright colours), then the
     * BT.709 transfer and matrix in limited range. Measured on this machine kind (1080p, 60 frames): 2.3 s
     * of CPU against 0.8 s for the plain 8-bit conversion; Mobius cost the same, and tone-mapping after
     * scaling to 720p 1.4 s. It runs once per video, before the rungs split.
     */
    static final String TONE_MAP_TO_BT709 = "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
            + "tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p";
    /** Frames described as BT.709 limited range (the pixels are, after the scaler or the tone map). */
    static final String TAG_BT709 = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709";
    /**
     * How long before its start a chunk is decoded from: the fps filter needs the source frame in force at
     * the chunk's first output frame, and bwdif the frame before it. Seconds of decoding, once per chunk.
     */
    static final int CHUNK_PREROLL_SECONDS = 2;
    /** The whole-ladder encode's per-rung cut: none. */
    private static final Function<Rung, String> WHOLE = r -> "";
    /** 1024 samples at 48 kHz. */
    private static final double AAC_FRAME_SECONDS = 1024.0 / 48000;

    private EncodeArguments() {
    }

    /** The folder of an encode's output root that receives one rung's playlist, init and media segments. */
    public static Path rungDir(Path outRoot, Rung rung) {
        return outRoot.toAbsolutePath().resolve(rung.name());
    }

    /** The folder of an encode's output root that receives the audio rendition. */
    public static Path audioDir(Path outRoot) {
        return outRoot.toAbsolutePath().resolve(io.vidforge.model.Variant.AUDIO);
    }

    /**
     * Arguments after the ffmpeg program name for one process encoding {@code rungs} (none or more) of the
     * source into {@link #rungDir}s of {@code outRoot}, and with {@code audio} the source's chosen audio
     * track into {@link #audioDir}; progress goes to stdout, errors to stderr.
     */
    public static List<String> forLadder(Path input, SourceInfo source, List<Rung> rungs, boolean audio, Ladder ladder,
                                         String x264Preset, Path outRoot) {
        if (rungs.isEmpty() && !audio) {
            throw new IllegalArgumentException("an encode needs at least one rung or the audio");
        }
        if (audio && !source.hasAudio()) {
            throw new IllegalArgumentException("the source has no audio to encode");
        }
        checkOutRoot(outRoot);
        OutputFrameRate fps = OutputFrameRate.forSource(source.frameRate());
        List<String> a = new ArrayList<>(List.of(
                "-v", "error", "-progress", "pipe:1", "-nostats", "-y",
                "-i", MediaTools.fileArg(input)));
        if (!rungs.isEmpty()) {
            a.addAll(List.of("-filter_complex", videoGraph(source, rungs, ladder, fps, true, WHOLE)));
        }
        for (int i = 0; i < rungs.size(); i++) {
            OutputFrameRate rate = ladder.frameRateFor(source, rungs.get(i));
            a.addAll(rungOutput(i, rungs.get(i), ladder, rate, List.of("-fps_mode", "cfr", "-r", rate.ffmpegArgument()),
                    0, x264Preset, rungDir(outRoot, rungs.get(i))));
        }
        if (audio) {
            a.addAll(audioOutput(source, ladder, audioDir(outRoot)));
        }
        return a;
    }

    /**
     * Arguments for one process encoding every rung in {@code rungs} for one time chunk of the video, from
     * {@code startS} (a multiple of the segment duration) to {@code endS} (exclusive; negative: to the end), into
     * {@link #rungDir}s of {@code outRoot}; no audio (the audio is encoded whole, once). Each rung gets exactly
     * the frames, timestamps, forced IDRs and segment cuts the whole-ladder encode gives it in that range:
     * <ul>
     *   <li>the input is read from {@link #CHUNK_PREROLL_SECONDS} before the start (the seek lands on the
     *   keyframe before that; {@code -noaccurate_seek} keeps every decoded frame, the exact cut is ours) to a
     *   second after its end ({@code -t}), with
     *   {@code -copyts -start_at_zero}: the timeline the filters see is the whole-ladder encode's (source time
     *   less the file's start), so the fps filter makes the same constant-rate frames from the same source
     *   frames, variable frame rate sources included;</li>
     *   <li>after the split (and a rung's own halving of a high rate) a trim keeps that rung's frame numbers
     *   {@link ChunkCut#startFrame} to {@link ChunkCut#endFrame}, an exact integer cut;</li>
     *   <li>the frames keep their global timestamps into the encoder ({@code -fps_mode passthrough}: they are
     *   already constant-rate), so {@code -force_key_frames} puts IDRs on the very frames it does in the
     *   whole encode; the HLS muxer cuts every segment duration from the chunk's first frame and numbers the
     *   segments from the chunk's first global number ({@code -start_number}).</li>
     * </ul>
     * The muxer starts each chunk's fragments at decode time 0: {@link FragmentTimes#shift} moves them by
     * {@link ChunkCut#offsetTicks} afterwards.
     */
    public static List<String> forChunk(Path input, SourceInfo source, List<Rung> rungs, Ladder ladder,
                                        String x264Preset, Path outRoot, int startS, int endS) {
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("a chunk encode needs at least one rung");
        }
        if (startS < 0 || startS % ladder.segmentSeconds() != 0 || endS >= 0 && (endS <= startS
                || endS % ladder.segmentSeconds() != 0)) {
            throw new IllegalArgumentException("a chunk is whole segments of " + ladder.segmentSeconds() + " s, not "
                    + startS + "-" + endS);
        }
        checkOutRoot(outRoot);
        OutputFrameRate fps = OutputFrameRate.forSource(source.frameRate());
        List<String> a = new ArrayList<>(List.of("-v", "error", "-progress", "pipe:1", "-nostats", "-y"));
        int from = Math.max(0, startS - CHUNK_PREROLL_SECONDS);
        if (startS > 0) {
            a.addAll(List.of("-ss", Integer.toString(from), "-noaccurate_seek"));
        }
        if (endS >= 0) {
            // Stop reading a second after the chunk's end (the fps filter needs the frame after its last slot):
            // without it ffmpeg decodes the rest of the source after the cut (measured: 0.4 CPU s per 16 s of 720p).
            // With -copyts -start_at_zero the limit counts from the file's start, not from -ss (measured: -ss 2
            // -t 7 stopped at 7 s), so it is the chunk's end itself, plus the second.
            a.addAll(List.of("-t", Integer.toString(endS + 1)));
        }
        a.addAll(List.of("-copyts", "-start_at_zero", "-i", MediaTools.fileArg(input)));
        a.addAll(List.of("-filter_complex", videoGraph(source, rungs, ladder, fps, startS == 0,
                r -> ChunkCut.of(ladder.frameRateFor(source, r), startS, endS).trimFilter() + ",")));
        int firstSegment = startS / ladder.segmentSeconds();
        for (int i = 0; i < rungs.size(); i++) {
            a.addAll(rungOutput(i, rungs.get(i), ladder, ladder.frameRateFor(source, rungs.get(i)),
                    List.of("-fps_mode", "passthrough"), startS, x264Preset, rungDir(outRoot, rungs.get(i))));
            int at = a.lastIndexOf("-hls_segment_filename");
            a.addAll(at, List.of("-start_number", Integer.toString(firstSegment)));
        }
        return a;
    }

    private static void checkOutRoot(Path outRoot) {
        if (outRoot.toAbsolutePath().toString().contains("%")) {
            // The HLS muxer expands the whole segment path as a pattern and has no escape for '%' (measured
            // with ffmpeg 8.0: '%%' is left doubled and the segment cannot be opened).
            throw new IllegalArgumentException("ffmpeg cannot write HLS segments under a path containing '%': " + outRoot);
        }
    }

    /**
     * The video filter graph: the first real video stream ('V' skips cover art and thumbnails that some
     * files carry as video streams) through the shared part once, then one chain per rung, labelled
     * {@code [v0]}, {@code [v1]}, ... in rung order. Rotation is applied by ffmpeg's autorotate before this
     * graph, so the output is upright. bwdif only touches frames flagged interlaced (camcorders, broadcast);
     * progressive ones pass. The fps filter makes the constant rate exactly (-r alone can add a frame or two
     * at the end, which becomes a one-frame segment); it runs before the split, so every rung gets exactly
     * the same frames and timestamps, and a rung that halves a high frame rate keeps every other one of them.
     */
    private static String videoGraph(SourceInfo source, List<Rung> rungs, Ladder ladder, OutputFrameRate fps,
                                     boolean fromStart, Function<Rung, String> cut) {
        // start_time=0: a stream that begins after the file's start (B-frame delay, a transport stream whose
        // audio leads) is padded with its first frame, so every rung starts at 0 in sync with the audio. A chunk
        // after the first starts from its pre-roll instead: padding it would add frames before the source's.
        StringBuilder g = new StringBuilder("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=")
                .append(fps.ffmpegArgument()).append(fromStart ? ":start_time=0" : "");
        if (source.hasHdr()) {
            // Once, before the split: every rung gets the same tone-mapped frames.
            g.append(',').append(TONE_MAP_TO_BT709);
        }
        if (rungs.size() == 1) {
            return g.append(',').append(rungChain(source, rungs.get(0), ladder, fps, cut)).append("[v0]").toString();
        }
        g.append(",split=").append(rungs.size());
        for (int i = 0; i < rungs.size(); i++) {
            g.append("[s").append(i).append(']');
        }
        for (int i = 0; i < rungs.size(); i++) {
            g.append(";[s").append(i).append(']').append(rungChain(source, rungs.get(i), ladder, fps, cut))
                    .append("[v").append(i).append(']');
        }
        return g.toString();
    }

    private static String rungChain(SourceInfo source, Rung rung, Ladder ladder, OutputFrameRate full,
                                    Function<Rung, String> cut) {
        OutputFrameRate rate = ladder.frameRateFor(source, rung);
        String halve = rate.equals(full) ? "" : "fps=" + rate.ffmpegArgument() + ",";
        FrameSize size = FrameSize.forRung(source, rung);
        // setparams tags the frames themselves: ffmpeg 8 takes an encoder's colour description from its frames,
        // and the -color_* output options alone left untagged sources untagged. A chunk's cut comes after the
        // rung's own rate (its frame numbers are that rate's) and before the scaler (no pre-roll is scaled).
        return halve + cut.apply(rung) + "scale=" + size.width() + ":" + size.height() + ":flags=bicubic,setsar=1,format=yuv420p,"
                + TAG_BT709;
    }

    /**
     * One rung's output: its scaled video {@code [v<index>]} alone (no audio), its own HLS variant. IDRs are
     * forced every keyframe interval from {@code fromS} on the frames' own timestamps.
     */
    private static List<String> rungOutput(int index, Rung rung, Ladder ladder, OutputFrameRate fps,
                                           List<String> rate, int fromS, String x264Preset, Path dir) {
        int keyframeSeconds = ladder.keyframeIntervalSeconds();
        // x264's own keyframe interval never shorter than the forced one, so it adds no IDRs of its own.
        int gop = (int) Math.ceil(keyframeSeconds * fps.value());
        List<String> a = new ArrayList<>(List.of("-map", "[v" + index + "]"));
        // -fps_mode cfr -r keeps the muxer at the filter graph's constant rate.
        a.addAll(rate);
        a.addAll(List.of(
                "-c:v", "libx264", "-preset", x264Preset,
                "-profile:v", rung.avcProfile(), "-level:v", rung.avcLevel(),
                "-b:v", rung.videoKbps() + "k", "-maxrate", rung.maxrateKbps() + "k",
                "-bufsize", rung.bufsizeKbps() + "k",
                "-g", Integer.toString(gop), "-sc_threshold", "0", "-flags", "+cgop",
                "-force_key_frames", "expr:gte(t," + (fromS == 0 ? "" : fromS + "+") + "n_forced*" + keyframeSeconds + ")",
                "-forced-idr", "1",
                // Every rung is SDR BT.709 (HDR sources are tone-mapped above), and says so: untagged video
                // is guessed at by players, and HDR tags on SDR pixels would be shown with wrong colours.
                "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
                "-an"));
        a.addAll(hlsOutput(ladder, dir));
        return a;
    }

    /**
     * The audio rendition: the source's chosen track (its default by disposition, see {@code Prober}),
     * encoded once as stereo AAC-LC at 48 kHz and cut by the same HLS muxer settings as the video. Every
     * AAC frame is a sync sample, so the muxer cuts at the first frame at or after each multiple of the
     * segment duration: within one AAC frame (21 ms) of the video's cuts.
     */
    private static List<String> audioOutput(SourceInfo source, Ladder ladder, Path dir) {
        List<String> a = new ArrayList<>(List.of(
                "-map", "0:a:" + source.audioTrack(), "-vn",
                "-c:a", "aac", "-b:a", ladder.audioKbps() + "k", "-ac", "2", "-ar", "48000",
                // Fill gaps and trim overlaps in the source's audio so it stays in sync with the CFR video.
                // first_pts=0: audio that begins after the file's start is padded with silence, so it starts at
                // 0 like the video.
                "-af", "aresample=async=1:first_pts=0",
                // The AAC encoder adds one frame of priming; without this the rendition ends one frame after
                // the video, and a source ending on a segment boundary got a 21 ms audio segment of its own.
                "-t", String.format(Locale.ROOT, "%.6f", Math.max(0.1, source.durationS() - AAC_FRAME_SECONDS))));
        a.addAll(hlsOutput(ladder, dir));
        return a;
    }

    private static List<String> hlsOutput(Ladder ladder, Path dir) {
        return List.of(
                "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
                "-f", "hls", "-hls_segment_type", "fmp4",
                "-hls_time", Integer.toString(ladder.segmentSeconds()),
                "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
                // The HLS muxer turns on the mp4 muxer's DASH mode, which puts a sidx in every segment. Neither
                // playlist needs it (the HLS playlist and the MPD's SegmentTimeline give every segment's time and
                // size), and some TV players reject a per-segment sidx; timing and bytes are otherwise unchanged.
                "-hls_segment_options", "movflags=+skip_sidx",
                "-hls_fmp4_init_filename", INIT_SEGMENT,
                "-hls_segment_filename", dir.resolve(SEGMENT_PATTERN).toString(),
                dir.resolve(PLAYLIST).toString());
    }
}
