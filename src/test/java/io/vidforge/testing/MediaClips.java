package io.vidforge.testing;

import io.vidforge.media.MediaTools;
import io.vidforge.media.ProcessResult;
import io.vidforge.media.RunControl;
import io.vidforge.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Test clips made with ffmpeg's lavfi sources, each standing for a kind of real upload: phone portrait
 * video, odd sizes, rotation metadata, mono and 5.1 audio, WebM, variable frame rate, and broken files.
 * Clips are short and small because the test machine has two cores.
 */
public final class MediaClips {
    /** One kind of upload. {@code channels} 0 means no audio track. */
    public record Clip(String name, int width, int height, String fps, double seconds, int channels,
                       String container, int displayRotation, boolean vfr) {

        public static Clip of(String name, int width, int height, double seconds, int channels) {
            return new Clip(name, width, height, "30", seconds, channels, "mp4", 0, false);
        }

        public Clip webm() {
            return new Clip(name, width, height, fps, seconds, channels, "webm", displayRotation, vfr);
        }

        public Clip rotated(int degrees) {
            return new Clip(name, width, height, fps, seconds, channels, container, degrees, vfr);
        }

        public Clip withVariableFrameRate() {
            return new Clip(name, width, height, fps, seconds, channels, container, displayRotation, true);
        }

        public Clip fps(String rate) {
            return new Clip(name, width, height, rate, seconds, channels, container, displayRotation, vfr);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Duration LIMIT = Duration.ofMinutes(2);

    private final MediaTools tools;
    private final Path dir;

    public MediaClips(Path dir) {
        this.tools = MediaTools.from(Settings.of(Map.of()));
        this.dir = dir;
    }

    public MediaTools tools() {
        return tools;
    }

    /** The clip as a file in this helper's directory, made on first request. */
    public Path make(Clip clip) throws IOException, InterruptedException {
        Path out = dir.resolve(clip.name() + "." + clip.container());
        if (Files.exists(out)) {
            return out;
        }
        Path plain = clip.displayRotation() == 0 ? out : dir.resolve(clip.name() + "-unrotated." + clip.container());
        List<String> a = new ArrayList<>(List.of("-v", "error", "-y",
                "-f", "lavfi", "-i", String.format(Locale.ROOT, "testsrc=size=%dx%d:rate=%s:duration=%.3f",
                        clip.width(), clip.height(), clip.fps(), clip.seconds())));
        if (clip.channels() > 0) {
            a.addAll(List.of("-f", "lavfi", "-i", tone(clip.channels(), clip.seconds())));
        }
        String videoFilter = clip.vfr()
                // Drop an irregular pattern of frames and keep the gaps: timestamps no longer evenly spaced.
                ? "select='not(mod(n\\,3))+not(mod(n\\,7))',format=yuv420p"
                : (clip.width() % 2 == 1 || clip.height() % 2 == 1 ? "format=yuv444p" : "format=yuv420p");
        a.addAll(List.of("-vf", videoFilter));
        if (clip.vfr()) {
            a.addAll(List.of("-fps_mode", "vfr"));
        }
        if (clip.container().equals("webm")) {
            a.addAll(List.of("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "400k"));
            if (clip.channels() > 0) {
                a.addAll(List.of("-c:a", "libopus", "-b:a", "64k"));
            }
        } else {
            a.addAll(List.of("-c:v", "libx264", "-preset", "ultrafast", "-g", "30"));
            if (clip.channels() > 0) {
                a.addAll(List.of("-c:a", "aac", "-b:a", "96k"));
            }
        }
        a.add(plain.toString());
        run(a);
        if (clip.displayRotation() != 0) {
            // A display matrix, as phones write for portrait video recorded by a landscape sensor.
            run(List.of("-v", "error", "-y", "-display_rotation", Integer.toString(clip.displayRotation()),
                    "-i", plain.toString(), "-c", "copy", out.toString()));
        }
        return out;
    }

    /**
     * A broadcast/camcorder recording: 1080i MPEG-2 (top field first) in an MPEG transport stream whose
     * clock starts 10 hours in, at a low rate with long GOPs and B-frames (a seek near the end lands after
     * the last keyframe), with MPEG audio.
     */
    public Path broadcastTs() throws IOException, InterruptedException {
        Path out = dir.resolve("broadcast-1080i-10h.ts");
        if (!Files.exists(out)) {
            run(List.of("-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=1920x1080:rate=12.5:duration=2.5",
                    "-f", "lavfi", "-i", tone(2, 2.5),
                    "-vf", "setfield=tff,format=yuv420p", "-c:v", "mpeg2video", "-strict", "-1",
                    "-flags", "+ilme+ildct", "-top", "1", "-b:v", "4M", "-g", "25", "-bf", "2",
                    "-c:a", "mp2", "-b:a", "192k", "-output_ts_offset", "36000", "-f", "mpegts", out.toString()));
        }
        return out;
    }

    /** Two stereo tracks in Matroska: the first silent, the second (a tone) marked as the default. */
    public Path twoAudioTracksSecondDefault() throws IOException, InterruptedException {
        Path out = dir.resolve("two-audio-second-default.mkv");
        if (!Files.exists(out)) {
            run(List.of("-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=1.5",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
                    "-f", "lavfi", "-i", tone(2, 1.5),
                    "-map", "0:v", "-map", "1:a", "-map", "2:a", "-t", "1.5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-disposition:a:0", "0", "-disposition:a:1", "default", out.toString()));
        }
        return out;
    }

    /**
     * A 10-bit HEVC HDR clip as phones record it: {@code transfer} "smpte2084" (PQ, with HDR10 mastering
     * display and content light metadata) or "arib-std-b67" (HLG), BT.2020 primaries and matrix.
     */
    public Path hdr(String transfer) throws IOException, InterruptedException {
        Path out = dir.resolve("hdr-" + transfer + ".mp4");
        if (!Files.exists(out)) {
            String params = "log-level=error:colorprim=bt2020:transfer=" + transfer + ":colormatrix=bt2020nc"
                    + (transfer.equals("smpte2084")
                    ? ":hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)"
                    + ":max-cll=1000,400" : "");
            run(List.of("-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=1",
                    "-f", "lavfi", "-i", tone(2, 1),
                    "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", params,
                    "-tag:v", "hvc1", "-c:a", "aac", out.toString()));
        }
        return out;
    }

    /** An mp4 whose index (moov) is at the end, cut in half: no index, ffprobe cannot open it. */
    public Path truncatedMp4() throws IOException, InterruptedException {
        Path full = make(Clip.of("for-truncation", 320, 240, 3, 2));
        byte[] bytes = Files.readAllBytes(full);
        Path out = dir.resolve("truncated.mp4");
        Files.write(out, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        return out;
    }

    /** An mp4 with its index first ("faststart") cut at 40%: probes fine, the end does not decode. */
    public Path truncatedFaststartMp4() throws IOException, InterruptedException {
        Path full = make(Clip.of("for-faststart", 320, 240, 5, 2));
        Path fast = dir.resolve("faststart.mp4");
        run(List.of("-v", "error", "-y", "-i", full.toString(), "-c", "copy", "-movflags", "+faststart",
                fast.toString()));
        byte[] bytes = Files.readAllBytes(fast);
        Path out = dir.resolve("truncated-faststart.mp4");
        Files.write(out, java.util.Arrays.copyOf(bytes, bytes.length * 4 / 10));
        return out;
    }

    /** Random bytes behind a valid-looking mp4 'ftyp' box. */
    public Path randomBytesWithMp4Header() throws IOException {
        byte[] header = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
                'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        byte[] body = new byte[200_000];
        new Random(42).nextBytes(body);
        Path out = dir.resolve("random.mp4");
        Files.write(out, header);
        Files.write(out, body, java.nio.file.StandardOpenOption.APPEND);
        return out;
    }

    public Path textFile() throws IOException {
        Path out = dir.resolve("notes.mp4");
        Files.writeString(out, "This is a shopping list, not a video.\nmilk\neggs\n".repeat(100), StandardCharsets.UTF_8);
        return out;
    }

    /** An m4a with audio only. */
    public Path audioOnly() throws IOException, InterruptedException {
        Path out = dir.resolve("audio-only.m4a");
        run(List.of("-v", "error", "-y", "-f", "lavfi", "-i", tone(2, 2), "-c:a", "aac", out.toString()));
        return out;
    }

    private void run(List<String> args) throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffmpeg(args), RunControl.capturing(LIMIT));
        if (!r.succeeded()) {
            throw new IOException("making a test clip failed: " + r.stderrTail());
        }
    }

    /** A distinct sine per channel, so a downmix that dropped channels would still be audible. */
    private static String tone(int channels, double seconds) {
        String layout = switch (channels) {
            case 1 -> "mono";
            case 2 -> "stereo";
            case 6 -> "5.1";
            default -> throw new IllegalArgumentException(channels + " channels");
        };
        List<String> exprs = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            exprs.add("0.3*sin(" + (330 + 110 * c) + "*2*PI*t)");
        }
        return String.format(Locale.ROOT, "aevalsrc=%s:c=%s:s=48000:d=%.3f", String.join("|", exprs), layout, seconds);
    }
}
