package io.vidforge.tools;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.vidforge.media.FfmpegBinaries;

/**
 * Writes a sample clip for the demo with the bundled ffmpeg: a moving test pattern with a clock and a
 * tone, 1280x720 at 30 fps, H.264 + AAC. {@code java -cp vidforge.jar io.vidforge.tools.SampleClip OUT SECONDS}
 */
public final class SampleClip {
    private SampleClip() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SampleClip OUT.mp4 SECONDS");
            System.exit(2);
        }
        Path out = Path.of(args[0]).toAbsolutePath();
        int seconds = Integer.parseInt(args[1]);
        FfmpegBinaries bin = FfmpegBinaries.get();
        List<String> cmd = List.of(bin.ffmpeg().toString(), "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=" + seconds,
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", "3M",
                "-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart", out.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().putAll(bin.environment());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("ffmpeg did not finish generating the sample");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("ffmpeg failed with exit code " + p.exitValue());
        }
        System.out.println(out);
    }
}
