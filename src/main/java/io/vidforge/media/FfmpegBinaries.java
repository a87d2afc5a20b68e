package io.vidforge.media;

import com.google.common.base.Suppliers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where ffmpeg and ffprobe are, and the environment they need. {@code FFMPEG_PATH}/{@code FFPROBE_PATH}
 * win; otherwise the executables shipped in org.bytedeco's ffmpeg jar, extracted once to
 * {@code ~/.javacpp/cache}, so every machine runs the same pinned ffmpeg.
 */
public record FfmpegBinaries(Path ffmpeg, Path ffprobe, Map<String, String> environment) {

    private static final Supplier<FfmpegBinaries> FROM_ENVIRONMENT =
            Suppliers.memoize(() -> locate(System.getenv()));

    public FfmpegBinaries {
        environment = Map.copyOf(environment);
    }

    /**
     * The binaries of this process, resolved on first use and cached (extraction takes seconds once).
     *
     * @throws IllegalStateException naming what is missing; a failed lookup is retried on the next call
     */
    public static FfmpegBinaries get() {
        return FROM_ENVIRONMENT.get();
    }

    static FfmpegBinaries locate(Map<String, String> env) {
        String ffmpeg = env.get("FFMPEG_PATH");
        String ffprobe = env.get("FFPROBE_PATH");
        if (present(ffmpeg) && present(ffprobe)) {
            return new FfmpegBinaries(executable(ffmpeg, "FFMPEG_PATH"), executable(ffprobe, "FFPROBE_PATH"), Map.of());
        }
        if (present(ffmpeg) || present(ffprobe)) {
            throw new IllegalStateException("set both FFMPEG_PATH and FFPROBE_PATH, or neither to use the bundled ffmpeg");
        }
        return bundled(env);
    }

    private static FfmpegBinaries bundled(Map<String, String> env) {
        String ffmpeg;
        String ffprobe;
        try {
            ffmpeg = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
            ffprobe = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // Seen on Debian without PulseAudio: libavdevice needs libpulse.so.0 to load at all.
            throw new IllegalStateException("cannot load the bundled ffmpeg (" + e.getMessage() + "); install the "
                    + "missing system library (Debian: apt-get install -y libpulse0) or set FFMPEG_PATH and "
                    + "FFPROBE_PATH to an ffmpeg >= 5.1 with libx264", e);
        }
        Path ffmpegPath = executable(ffmpeg, "bundled ffmpeg");
        // The bundled executables find their direct libraries through RUNPATH=$ORIGIN, but those libraries'
        // own dependencies (libva, ...) are only found through the library path.
        String dir = ffmpegPath.getParent().toString();
        String old = env.get("LD_LIBRARY_PATH");
        String libraryPath = present(old) ? dir + ":" + old : dir;
        return new FfmpegBinaries(ffmpegPath, executable(ffprobe, "bundled ffprobe"),
                Map.of("LD_LIBRARY_PATH", libraryPath));
    }

    private static Path executable(String path, String what) {
        Path p = Path.of(path);
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException(what + " is not an executable file: " + p);
        }
        return p;
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
