package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that builds ffmpeg's arguments for encoding and packaging a rung. Everything that makes
 * rungs encoded in separate processes line up is here: the same constant frame rate, IDR frames forced
 * at the same timestamps with scene-cut keyframes off and closed GOPs, and the HLS muxer cutting at
 * the first keyframe at or after each multiple of the segment duration.
 */
public final class EncodeArguments {
    public static final String PLAYLIST = "index.m3u8";
    public static final String INIT_SEGMENT = "init.mp4";
    public static final String SEGMENT_PATTERN = "seg_%05d.m4s";

    private EncodeArguments() {
    }

    /** Arguments after the ffmpeg program name; progress goes to stdout, errors to stderr. */
    public static List<String> forRung(Path input, SourceInfo source, Rung rung, Ladder ladder, String x264Preset,
                                       Path outDir) {
        if (outDir.toAbsolutePath().toString().contains("%")) {
            // The HLS muxer expands the whole segment path as a pattern and has no escape for '%' (measured
            // with ffmpeg 8.0: '%%' is left doubled and the segment cannot be opened).
            throw new IllegalArgumentException("ffmpeg cannot write HLS segments under a path containing '%': " + outDir);
        }
        FrameSize size = FrameSize.forRung(source, rung);
        OutputFrameRate fps = OutputFrameRate.forSource(source.frameRate());
        int keyframeSeconds = ladder.keyframeIntervalSeconds();
        // x264's own keyframe interval never shorter than the forced one, so it adds no IDRs of its own.
        int gop = (int) Math.ceil(keyframeSeconds * fps.value());

        List<String> a = new ArrayList<>(List.of(
                "-v", "error", "-progress", "pipe:1", "-nostats", "-y",
                "-i", MediaTools.fileArg(input),
                // 'V' skips cover art and thumbnails that some files carry as video streams.
                "-map", "0:V:0"));
        if (source.hasAudio()) {
            a.addAll(List.of("-map", "0:a:0"));
        }
        a.addAll(List.of(
                // Rotation is applied by ffmpeg's autorotate before this chain, so the output is upright.
                // bwdif only touches frames flagged interlaced (camcorders, broadcast); progressive ones pass.
                // The fps filter makes the constant rate exactly (-r alone can add a frame or two at the end,
                // which becomes a one-frame segment); -fps_mode cfr -r keeps the muxer at that rate too.
                "-vf", "bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=" + fps.ffmpegArgument()
                        + ",scale=" + size.width() + ":" + size.height() + ":flags=bicubic,setsar=1,format=yuv420p",
                "-fps_mode", "cfr", "-r", fps.ffmpegArgument(),
                "-c:v", "libx264", "-preset", x264Preset,
                "-profile:v", rung.avcProfile(), "-level:v", rung.avcLevel(),
                "-b:v", rung.videoKbps() + "k", "-maxrate", rung.maxrateKbps() + "k",
                "-bufsize", rung.bufsizeKbps() + "k",
                "-g", Integer.toString(gop), "-sc_threshold", "0", "-flags", "+cgop",
                "-force_key_frames", "expr:gte(t,n_forced*" + keyframeSeconds + ")", "-forced-idr", "1"));
        if (source.hasAudio()) {
            a.addAll(List.of(
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
                "-hls_segment_filename", outDir.toAbsolutePath().resolve(SEGMENT_PATTERN).toString(),
                outDir.toAbsolutePath().resolve(PLAYLIST).toString()));
        return a;
    }
}
