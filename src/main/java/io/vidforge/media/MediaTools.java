package io.vidforge.media;

import com.google.common.base.Suppliers;
import io.vidforge.config.Settings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * ffmpeg and ffprobe as the media classes use them: the binaries, the process seam and the settings.
 * The binaries are resolved on first use, so a node starts (and can report the problem on /health)
 * even where ffmpeg is missing.
 */
public final class MediaTools {
    private final Supplier<FfmpegBinaries> binaries;
    private final Supplier<ProcessRunner> runner;
    private final MediaSettings settings;

    public MediaTools(FfmpegBinaries binaries, ProcessRunner runner, MediaSettings settings) {
        this.binaries = () -> binaries;
        this.runner = () -> runner;
        this.settings = settings;
    }

    private MediaTools(Supplier<FfmpegBinaries> binaries, Supplier<ProcessRunner> runner, MediaSettings settings) {
        this.binaries = binaries;
        this.runner = runner;
        this.settings = settings;
    }

    /** The bundled (or {@code FFMPEG_PATH}) binaries run on this machine. */
    public static MediaTools from(Settings settings) {
        return new MediaTools(FfmpegBinaries::get,
                Suppliers.memoize(() -> new LocalProcessRunner(FfmpegBinaries.get().environment())),
                MediaSettings.from(settings));
    }

    public MediaSettings settings() {
        return settings;
    }

    public FfmpegBinaries binaries() {
        return binaries.get();
    }

    /** {@code ffmpeg -nostdin -hide_banner} followed by {@code args}. */
    public List<String> ffmpeg(List<String> args) {
        List<String> cmd = new ArrayList<>(args.size() + 3);
        cmd.add(binaries.get().ffmpeg().toString());
        cmd.add("-nostdin");
        cmd.add("-hide_banner");
        cmd.addAll(args);
        return cmd;
    }

    /** {@code ffprobe -hide_banner} followed by {@code args}. */
    public List<String> ffprobe(List<String> args) {
        List<String> cmd = new ArrayList<>(args.size() + 2);
        cmd.add(binaries.get().ffprobe().toString());
        cmd.add("-hide_banner");
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A local file as ffmpeg should read it: absolute and with the {@code file:} protocol, so that a name
     * containing ':' or starting with '-' is never taken for a protocol or an option.
     */
    public static String fileArg(java.nio.file.Path file) {
        return "file:" + file.toAbsolutePath();
    }

    public ProcessResult run(List<String> command, RunControl control) throws IOException, InterruptedException {
        return runner.get().run(command, control);
    }
}
