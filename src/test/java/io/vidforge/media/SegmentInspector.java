package io.vidforge.media;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/** Looks inside produced fMP4 segments with ffprobe/ffmpeg, as a player would see them. */
final class SegmentInspector {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private final MediaTools tools;

    SegmentInspector(MediaTools tools) {
        this.tools = tools;
    }

    /** init + one media segment as a standalone file: what a player has when it joins at that segment. */
    Path joined(Path init, Path segment, Path scratch) throws IOException {
        Path out = scratch.resolve("joined-" + segment.getParent().getFileName() + "-" + segment.getFileName() + ".mp4");
        Files.write(out, Files.readAllBytes(init));
        Files.write(out, Files.readAllBytes(segment), StandardOpenOption.APPEND);
        return out;
    }

    /** Flags of the first video packet, e.g. "K__" for a keyframe. */
    String firstVideoPacketFlags(Path file) throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-select_streams", "v:0",
                "-show_entries", "packet=flags", "-read_intervals", "%+#1", "-of", "csv=p=0", file.toString())),
                RunControl.capturing(LIMIT));
        if (!r.succeeded()) {
            throw new IOException("ffprobe failed on " + file + ": " + r.stderrTail());
        }
        return r.stdout().lines().findFirst().orElse("").strip();
    }

    /** Presentation time (seconds, as ffprobe prints it) of the first video packet: a segment's opening IDR. */
    String firstVideoPacketPts(Path file) throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-select_streams", "v:0",
                "-show_entries", "packet=pts_time", "-read_intervals", "%+#1", "-of", "csv=p=0", file.toString())),
                RunControl.capturing(LIMIT));
        if (!r.succeeded()) {
            throw new IOException("ffprobe failed on " + file + ": " + r.stderrTail());
        }
        return r.stdout().lines().findFirst().orElse("").strip();
    }

    /** Empty when the file decodes completely with no error at all; else ffmpeg's complaint. */
    String decodeErrors(Path file) throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", file.toString(), "-map", "0",
                "-f", "null", "-")), RunControl.capturing(LIMIT));
        return r.succeeded() ? r.stderrTail() : "exit " + r.exitCode() + ": " + r.stderrTail();
    }

    JsonNode streams(Path file) throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-print_format", "json", "-show_streams",
                file.toString())), RunControl.capturing(LIMIT));
        if (!r.succeeded()) {
            throw new IOException("ffprobe failed on " + file + ": " + r.stderrTail());
        }
        return Json.MAPPER.readTree(r.stdout()).path("streams");
    }
}
