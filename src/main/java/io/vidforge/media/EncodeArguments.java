package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that builds ffmpeg's arguments for encoding and packaging rungs. One process encodes any
 * number of rungs: the source is decoded once, deinterlaced and brought to the constant frame rate once,
 * then split into one scale chain, one x264 encoder, one AAC encoder and one HLS output per rung, each in
 * its own sub-folder. The per-rung plan runs the same arguments with a single rung. Everything that makes
 * rungs line up, whether encoded in one process or in several, is here: the same constant frame rate, IDR
 * frames forced at the same timestamps with scene-cut keyframes off and closed GOPs, and the HLS muxer
 * cutting at the first keyframe at or after each multiple of the segment duration.
 */
public final class EncodeArguments {
    public static final String PLAYLIST = "index.m3u8";
    public static final String INIT_SEGMENT = "init.mp4";
    public static final String SEGMENT_PATTERN = "seg_%05d.m4s";

    private EncodeArguments() {
    }

    /** The folder of an encode's output root that receives one rung's playlist, init and media segments. */
    public static Path rungDir(Path outRoot, Rung rung) {
        return outRoot.toAbsolutePath().resolve(rung.name());
    }

    /**
     * Arguments after the ffmpeg program name for one process encoding {@code rungs} (one or more) of the
     * source into {@link #rungDir}s of {@code outRoot}; progress goes to stdout, errors to stderr.
     */
    public static List<String> forLadder(Path input, SourceInfo source, List<Rung> rungs, Ladder ladder,
                                         String x264Preset, Path outRoot) {
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("an encode needs at least one rung");
        }
        if (outRoot.toAbsolutePath().toString().contains("%")) {
            // The HLS muxer expands the whole segment path as a pattern and has no escape for '%' (measured
            // with ffmpeg 8.0: '%%' is left doubled and the segment cannot be opened).
            throw new IllegalArgumentException("ffmpeg cannot write HLS segments under a path containing '%': " + outRoot);
        }
        OutputFrameRate fps = OutputFrameRate.forSource(source.frameRate());
        List<String> a = new ArrayList<>(List.of(
                "-v", "error", "-progress", "pipe:1", "-nostats", "-y",
                "-i", MediaTools.fileArg(input),
                "-filter_complex", videoGraph(source, rungs, fps)));
        for (int i = 0; i < rungs.size(); i++) {
            a.addAll(rungOutput(i, rungs.get(i), source, ladder, fps, x264Preset, rungDir(outRoot, rungs.get(i))));
        }
        return a;
    }

    /**
     * The video filter graph: the first real video stream ('V' skips cover art and thumbnails that some
     * files carry as video streams) through the shared part once, then one scaler per rung, labelled
     * {@code [v0]}, {@code [v1]}, ... in rung order. Rotation is applied by ffmpeg's autorotate before this
     * graph, so the output is upright. bwdif only touches frames flagged interlaced (camcorders, broadcast);
     * progressive ones pass. The fps filter makes the constant rate exactly (-r alone can add a frame or two
     * at the end, which becomes a one-frame segment); it runs before the split, so every rung gets exactly
     * the same frames and timestamps.
     */
    private static String videoGraph(SourceInfo source, List<Rung> rungs, OutputFrameRate fps) {
        StringBuilder g = new StringBuilder("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=")
                .append(fps.ffmpegArgument());
        if (rungs.size() == 1) {
            return g.append(',').append(scaleChain(source, rungs.get(0))).append("[v0]").toString();
        }
        g.append(",split=").append(rungs.size());
        for (int i = 0; i < rungs.size(); i++) {
            g.append("[s").append(i).append(']');
        }
        for (int i = 0; i < rungs.size(); i++) {
            g.append(";[s").append(i).append(']').append(scaleChain(source, rungs.get(i))).append("[v").append(i).append(']');
        }
        return g.toString();
    }

    private static String scaleChain(SourceInfo source, Rung rung) {
        FrameSize size = FrameSize.forRung(source, rung);
        return "scale=" + size.width() + ":" + size.height() + ":flags=bicubic,setsar=1,format=yuv420p";
    }

    /** One rung's output: its scaled video {@code [v<index>]}, its own audio encode, its own HLS variant. */
    private static List<String> rungOutput(int index, Rung rung, SourceInfo source, Ladder ladder, OutputFrameRate fps,
                                           String x264Preset, Path dir) {
        int keyframeSeconds = ladder.keyframeIntervalSeconds();
        // x264's own keyframe interval never shorter than the forced one, so it adds no IDRs of its own.
        int gop = (int) Math.ceil(keyframeSeconds * fps.value());
        List<String> a = new ArrayList<>(List.of("-map", "[v" + index + "]"));
        if (source.hasAudio()) {
            a.addAll(List.of("-map", "0:a:0"));
        }
        a.addAll(List.of(
                // -fps_mode cfr -r keeps the muxer at the filter graph's constant rate.
                "-fps_mode", "cfr", "-r", fps.ffmpegArgument(),
                "-c:v", "libx264", "-preset", x264Preset,
                "-profile:v", rung.avcProfile(), "-level:v", rung.avcLevel(),
                "-b:v", rung.videoKbps() + "k", "-maxrate", rung.maxrateKbps() + "k",
                "-bufsize", rung.bufsizeKbps() + "k",
                "-g", Integer.toString(gop), "-sc_threshold", "0", "-flags", "+cgop",
                "-force_key_frames", "expr:gte(t,n_forced*" + keyframeSeconds + ")", "-forced-idr", "1"));
        if (source.hasAudio()) {
            a.addAll(List.of(
                    // Decoded once, encoded per rung: each rung carries its own audio rate.
                    "-c:a", "aac", "-b:a", rung.audioKbps() + "k", "-ac", "2", "-ar", "48000",
                    // Fill gaps and trim overlaps in the source's audio so it stays in sync with the CFR video.
                    "-af", "aresample=async=1"));
        } else {
            a.add("-an");
        }
        a.addAll(List.of(
                "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
                "-f", "hls", "-hls_segment_type", "fmp4",
                "-hls_time", Integer.toString(ladder.segmentSeconds()),
                "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
                "-hls_fmp4_init_filename", INIT_SEGMENT,
                "-hls_segment_filename", dir.resolve(SEGMENT_PATTERN).toString(),
                dir.resolve(PLAYLIST).toString()));
        return a;
    }
}
