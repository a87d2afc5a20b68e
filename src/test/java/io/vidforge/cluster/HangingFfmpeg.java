package io.vidforge.cluster;

import io.vidforge.media.FfmpegBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * ffmpeg and ffprobe as the cluster's FFMPEG_PATH/FFPROBE_PATH: scripts that run the bundled binaries
 * unchanged, except that an HLS encode (an argument {@code hls} or {@code *.m3u8}) hangs when told to: it
 * prints nothing and never exits, as an ffmpeg stuck on a bad input or a dead disk does. The mode is a
 * file the script reads at every start, so the test switches it while the cluster runs:
 * {@link #hangOnce()} hangs the next encode only, {@link #hangAlways()} every encode, {@link #pass()}
 * none. Every hang appends a line to a file, so the test can count them.
 */
final class HangingFfmpeg {
    private final Path dir;
    private final Path ffmpeg;
    private final Path ffprobe;

    HangingFfmpeg(Path dir) throws IOException {
        this.dir = dir;
        FfmpegBinaries real = FfmpegBinaries.get();
        String libraryPath = real.environment().getOrDefault("LD_LIBRARY_PATH", "");
        String env = libraryPath.isEmpty() ? "" : "export LD_LIBRARY_PATH=" + quote(libraryPath) + "\n";
        this.ffmpeg = script("ffmpeg", "#!/bin/bash\n"
                + "# FFMPEG_PATH of a failure test: the bundled ffmpeg, but an HLS encode hangs when " + quote(mode()) + " says so.\n"
                + env
                + "encode=\n"
                + "for a in \"$@\"; do case \"$a\" in hls|*.m3u8) encode=1;; esac; done\n"
                + "if [ -n \"$encode\" ]; then\n"
                + "  mode=$(cat " + quote(mode()) + " 2>/dev/null || true)\n"
                + "  if [ \"$mode\" = hang-always ] || { [ \"$mode\" = hang-once ] && mkdir " + quote(dir.resolve("hung-once")) + " 2>/dev/null; }; then\n"
                + "    echo \"$$ $mode\" >> " + quote(hangLog()) + "\n"
                + "    exec sleep 600\n"
                + "  fi\n"
                + "fi\n"
                + "exec " + quote(real.ffmpeg()) + " \"$@\"\n");
        this.ffprobe = script("ffprobe", "#!/bin/bash\n" + env + "exec " + quote(real.ffprobe()) + " \"$@\"\n");
        pass();
    }

    /** The node settings that make the cluster run these scripts. */
    Map<String, String> settings() {
        return Map.of("FFMPEG_PATH", ffmpeg.toString(), "FFPROBE_PATH", ffprobe.toString());
    }

    void pass() throws IOException {
        setMode("pass");
    }

    /** The next HLS encode hangs, later ones run. */
    void hangOnce() throws IOException {
        deleteIfExists(dir.resolve("hung-once"));
        setMode("hang-once");
    }

    void hangAlways() throws IOException {
        setMode("hang-always");
    }

    /** How many encodes hung so far. */
    int hangs() throws IOException {
        return Files.exists(hangLog()) ? Files.readAllLines(hangLog()).size() : 0;
    }

    /** PIDs of encodes that hung (each line of the hang log starts with the script's PID). */
    List<Long> hungPids() throws IOException {
        if (!Files.exists(hangLog())) {
            return List.of();
        }
        return Files.readAllLines(hangLog()).stream().filter(l -> !l.isBlank())
                .map(l -> Long.parseLong(l.substring(0, l.indexOf(' ')))).toList();
    }

    private void setMode(String mode) throws IOException {
        Path tmp = dir.resolve("mode.tmp");
        Files.writeString(tmp, mode, StandardCharsets.UTF_8);
        Files.move(tmp, mode(), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Path mode() {
        return dir.resolve("mode");
    }

    private Path hangLog() {
        return dir.resolve("hangs.log");
    }

    private Path script(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static void deleteIfExists(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            Files.delete(p);
        }
    }

    private static String quote(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }
}
