package io.vidforge.media;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import io.vidforge.model.SourceInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds out what an upload is: ffprobe's JSON turned into a {@link SourceInfo} (sizes as displayed,
 * after rotation and non-square pixels), then a real decode of the first video frame, and of one near
 * the end when the stream's own duration is known, so that truncated or corrupt files are refused here
 * rather than failing every transcode attempt.
 */
public final class Prober {
    /** Demuxers that read a single still image: an upload of a photo is not a video. */
    private static final List<String> STILL_IMAGE_FORMATS = List.of("image2", "_pipe");
    /** framecrc's "#tb 0: 1/12" header line. */
    private static final Pattern FRAMECRC_TIME_BASE = Pattern.compile("#tb \\d+: (\\d+)/(\\d+)");
    /** How far the last decodable keyframe may fall short of the last one listed (timestamp rounding). */
    private static final double KEYFRAME_TOLERANCE_S = 0.25;
    /** How far before the last listed keyframe the keyframes-only decode starts: beyond any real GOP. */
    private static final double KEYFRAME_DECODE_LEAD_S = 30;
    private static final Pattern DEPTH_IN_PIX_FMT = Pattern.compile("p(\\d{1,2})(le|be)$");

    private final MediaTools tools;

    public Prober(MediaTools tools) {
        this.tools = tools;
    }

    public SourceInfo probe(Path file, BooleanSupplier cancelled)
            throws InvalidMediaException, IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-print_format", "json",
                        "-show_format", "-show_streams", MediaTools.fileArg(file))),
                RunControl.capturing(tools.settings().probeTimeout()).cancelWhen(cancelled));
        if (!r.succeeded()) {
            throw new InvalidMediaException("not a readable media file: " + orUnknown(r.stderrTail()));
        }
        Probe p = parse(r.stdout());
        if (p.info().durationS() <= 0) {
            p = p.withDuration(scanDuration(file, p.videoIndex(), cancelled));
        }
        if (!(p.info().durationS() > 0)) {
            throw new InvalidMediaException("the video has no duration (an empty or single-frame stream)");
        }
        requireDecodable(file, p, cancelled);
        return p.info();
    }

    /** What ffprobe said, plus what only the prober needs: the stream index and its own duration. */
    record Probe(SourceInfo info, int videoIndex, OptionalDouble videoStreamDuration) {
        Probe withDuration(double seconds) {
            return new Probe(info.withDuration(seconds), videoIndex, OptionalDouble.of(seconds));
        }
    }

    static Probe parse(String ffprobeJson) throws InvalidMediaException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(ffprobeJson);
        } catch (IOException e) {
            throw new InvalidMediaException("ffprobe gave no readable description of the file");
        }
        JsonNode format = root.path("format");
        String container = format.path("format_name").asText("");
        if (STILL_IMAGE_FORMATS.stream().anyMatch(container::contains)) {
            throw new InvalidMediaException("a still image (" + container + "), not a video");
        }
        JsonNode video = null;
        JsonNode audio = null;
        int audioTrack = 0;
        int audioStreams = 0;
        for (JsonNode s : root.path("streams")) {
            String type = s.path("codec_type").asText();
            if ("video".equals(type) && video == null && s.path("disposition").path("attached_pic").asInt(0) == 0
                    && s.path("disposition").path("timed_thumbnails").asInt(0) == 0) {
                video = s;
            } else if ("audio".equals(type)) {
                // The track the file marks as default (a camera's or an editor's choice), else the first usable
                // one. Its index counts every audio stream, as ffmpeg's 0:a:N does.
                boolean usable = s.hasNonNull("codec_name") && s.path("channels").asInt(0) > 0;
                boolean isDefault = s.path("disposition").path("default").asInt(0) == 1;
                boolean chosenIsDefault = audio != null && audio.path("disposition").path("default").asInt(0) == 1;
                if (usable && (audio == null || isDefault && !chosenIsDefault)) {
                    audio = s;
                    audioTrack = audioStreams;
                }
                audioStreams++;
            }
        }
        if (video == null) {
            throw new InvalidMediaException("no video stream" + (container.isEmpty() ? "" : " in this " + container
                    + " file") + (audio != null ? " (audio-only files are not videos)" : ""));
        }
        int codedWidth = video.path("width").asInt(0);
        int codedHeight = video.path("height").asInt(0);
        if (codedWidth <= 0 || codedHeight <= 0 || !video.hasNonNull("codec_name")) {
            throw new InvalidMediaException("the video stream has no decodable picture size or codec");
        }
        // Non-square pixels (anamorphic DV, some broadcast files): the displayed width is what counts.
        double sar = ratio(video.path("sample_aspect_ratio").asText(""));
        int width = sar > 0 && Math.abs(sar - 1) > 1e-3 ? (int) Math.round(codedWidth * sar) : codedWidth;
        int height = codedHeight;
        int rotation = rotation(video);
        if (rotation == 90 || rotation == 270) {
            int t = width;
            width = height;
            height = t;
        }
        OptionalDouble streamDuration = seconds(video.path("duration"));
        if (streamDuration.isEmpty()) {
            streamDuration = clock(video.path("tags").path("DURATION").asText(""));
        }
        double duration = seconds(format.path("duration")).orElse(streamDuration.orElse(0));
        SourceInfo info = new SourceInfo(duration, width, height,
                video.path("codec_name").asText(),
                audio == null ? null : audio.path("codec_name").asText(),
                frameRate(video),
                audio == null ? 0 : audio.path("channels").asInt(0),
                rotation,
                container,
                audio == null ? 0 : audioTrack,
                hdr(video),
                bitDepth(video));
        return new Probe(info, video.path("index").asInt(0), streamDuration);
    }

    /**
     * "pq" for SMPTE ST 2084 (HDR10, HDR10+, Dolby Vision profile 8.1), "hlg" for ARIB STD-B67 (iPhones,
     * broadcast, the base layer of Dolby Vision 8.4), null for anything else (SDR).
     */
    static String hdr(JsonNode video) {
        return switch (video.path("color_transfer").asText("")) {
            case "smpte2084" -> SourceInfo.PQ;
            case "arib-std-b67" -> SourceInfo.HLG;
            default -> null;
        };
    }

    /** Bits per sample: ffprobe's bits_per_raw_sample, else from the pixel format (yuv420p10le → 10), else 8. */
    static int bitDepth(JsonNode video) {
        int raw = video.path("bits_per_raw_sample").asInt(0);
        if (raw > 0) {
            return raw;
        }
        Matcher m = DEPTH_IN_PIX_FMT.matcher(video.path("pix_fmt").asText(""));
        return m.find() ? Integer.parseInt(m.group(1)) : 8;
    }

    /**
     * Clockwise display rotation in 0..359. ffprobe reports the display matrix's rotation (counter-
     * clockwise degrees, e.g. -90) in side data; old files carry {@code tags.rotate} instead.
     */
    static int rotation(JsonNode video) {
        for (JsonNode sd : video.path("side_data_list")) {
            if (sd.has("rotation")) {
                return normalize(-(int) Math.round(sd.path("rotation").asDouble()));
            }
        }
        String tag = video.path("tags").path("rotate").asText("");
        if (!tag.isEmpty()) {
            try {
                return normalize((int) Math.round(Double.parseDouble(tag)));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    /**
     * The rate the video is meant to play at. Normally avg_frame_rate. A variable-rate source (a phone,
     * a screen recording) averages below its nominal r_frame_rate; the nominal rate keeps its motion
     * smooth, so it wins when it is plausible. Broken or still streams report 0/0 or a time base such as
     * 90000/1 as rates: those fall back to the other field, else 30.
     */
    static double frameRate(JsonNode video) {
        double avg = plausibleRate(video.path("avg_frame_rate").asText(""));
        double nominal = plausibleRate(video.path("r_frame_rate").asText(""));
        if (avg > 0 && nominal > avg * 1.05) {
            return nominal;
        }
        if (avg > 0) {
            return avg;
        }
        return nominal > 0 ? nominal : 30;
    }

    private static double plausibleRate(String ratio) {
        double fps = ratio(ratio);
        return fps >= 1 && fps <= 240 ? fps : 0;
    }

    /**
     * The end time of the last video packet, for containers that carry no duration (raw streams, some
     * live recordings). Reads packet headers only, no decoding.
     */
    private double scanDuration(Path file, int videoIndex, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        double[] end = {0};
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-select_streams", String.valueOf(videoIndex),
                        "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", MediaTools.fileArg(file))),
                RunControl.streaming(tools.settings().probeTimeout(), line -> {
                    String[] parts = line.split(",");
                    try {
                        double t = Double.parseDouble(parts[0]) + (parts.length > 1 ? Double.parseDouble(parts[1]) : 0);
                        end[0] = Math.max(end[0], t);
                    } catch (NumberFormatException e) {
                        // N/A timestamps: skip the packet
                    }
                    return true;
                }).cancelWhen(cancelled));
        return r.succeeded() ? end[0] : 0;
    }

    private void requireDecodable(Path file, Probe p, BooleanSupplier cancelled)
            throws InvalidMediaException, IOException, InterruptedException {
        if (decodedFrames(file, p.videoIndex(), 0, cancelled) < 1) {
            throw new InvalidMediaException("the first video frame does not decode (corrupt or truncated file)");
        }
        // A file written with its index first and cut short probes fine; a frame near the end shows it.
        // Only with the stream's own duration: a format duration may include audio that outlasts the video.
        if (p.videoStreamDuration().isPresent() && p.videoStreamDuration().getAsDouble() > 2) {
            double duration = p.videoStreamDuration().getAsDouble();
            double at = duration * 0.9;
            if (decodedFrames(file, p.videoIndex(), at, cancelled) >= 1) {
                return;
            }
            // A seek can land after the last keyframe of a valid file and decode nothing: a transport stream
            // (no index, the seek is a byte-position guess), a long GOP, sparse frames, a clock far from
            // zero. The exact question is then whether the last keyframe the file lists decodes.
            // A file cut short has no packets to its end (the demuxer stops at the cut).
            Packets packets = packets(file, p.videoIndex(), cancelled);
            if (packets.lastEnd() - packets.first() < at) {
                throw new InvalidMediaException(String.format(Locale.ROOT,
                        "no video frame decodes at %.1f s of %.1f s: the video's packets end at %.1f s"
                                + " (the file is truncated or corrupt)", at, duration, packets.lastEnd() - packets.first()));
            }
            // Keyframes only, from well before the last one (a long file is not decoded whole).
            double from = Math.max(0, packets.lastKeyframe() - packets.first() - KEYFRAME_DECODE_LEAD_S);
            double lastDecoded = lastDecodedKeyframe(file, p.videoIndex(), from, cancelled);
            if (lastDecoded < packets.lastKeyframe() - KEYFRAME_TOLERANCE_S) {
                throw new InvalidMediaException(String.format(Locale.ROOT,
                        "no video frame decodes at %.1f s of %.1f s: the last keyframe, at %.1f s, does not decode"
                                + " (the file is truncated or corrupt)", at, duration,
                        packets.lastKeyframe() - packets.first()));
            }
        }
    }

    /** Timestamps (seconds, the file's own clock) of the first video packet, the end of the last, the last keyframe. */
    private record Packets(double first, double lastEnd, double lastKeyframe) {
    }

    /** What the container holds, from packet headers only (no decoding). */
    private Packets packets(Path file, int videoIndex, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        double[] firstEndKey = {Double.NaN, 0, 0};
        tools.run(tools.ffprobe(List.of("-v", "error", "-select_streams", String.valueOf(videoIndex),
                        "-show_entries", "packet=pts_time,duration_time,flags", "-of", "csv=p=0",
                        MediaTools.fileArg(file))),
                RunControl.streaming(tools.settings().probeTimeout(), line -> {
                    String[] parts = line.split(",");
                    try {
                        double t = Double.parseDouble(parts[0]);
                        double d = parts.length > 1 && !parts[1].isBlank() && !parts[1].equals("N/A")
                                ? Double.parseDouble(parts[1]) : 0;
                        if (Double.isNaN(firstEndKey[0]) || t < firstEndKey[0]) {
                            firstEndKey[0] = t;
                        }
                        firstEndKey[1] = Math.max(firstEndKey[1], t + d);
                        if (parts.length > 2 && parts[2].startsWith("K")) {
                            firstEndKey[2] = Math.max(firstEndKey[2], t);
                        }
                    } catch (NumberFormatException e) {
                        // N/A timestamps: skip the packet
                    }
                    return true;
                }).cancelWhen(cancelled));
        double first = Double.isNaN(firstEndKey[0]) ? 0 : firstEndKey[0];
        return new Packets(first, firstEndKey[1], firstEndKey[2]);
    }

    /**
     * The file's own timestamp (seconds; -copyts keeps it) of the last keyframe that actually decodes, decoding
     * keyframes only (one frame per GOP) from {@code from} seconds after the start. -1 when none decodes.
     */
    private double lastDecodedKeyframe(Path file, int videoIndex, double from, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-skip_frame", "nokey",
                        "-ss", String.format(Locale.ROOT, "%.3f", from), "-copyts",
                        "-i", MediaTools.fileArg(file), "-map", "0:" + videoIndex, "-fps_mode", "passthrough",
                        "-f", "framecrc", "-")),
                RunControl.capturing(tools.settings().probeTimeout()).cancelWhen(cancelled));
        double timeBase = 0;
        double last = -1;
        for (String line : r.stdout().lines().toList()) {
            Matcher tb = FRAMECRC_TIME_BASE.matcher(line);
            if (tb.matches()) {
                timeBase = Double.parseDouble(tb.group(1)) / Double.parseDouble(tb.group(2));
            } else if (!line.startsWith("#") && !line.isBlank()) {
                String[] f = line.split(",");
                try {
                    last = Math.max(last, Long.parseLong(f[2].strip()) * timeBase);
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    // not a frame line
                }
            }
        }
        return last;
    }

    private int decodedFrames(Path file, int videoIndex, double at, BooleanSupplier cancelled)
            throws InvalidMediaException, IOException, InterruptedException {
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error",
                        "-ss", String.format(Locale.ROOT, "%.3f", at), "-i", MediaTools.fileArg(file),
                        "-map", "0:" + videoIndex, "-frames:v", "1", "-f", "framecrc", "-")),
                RunControl.capturing(tools.settings().probeTimeout()).cancelWhen(cancelled));
        if (!r.succeeded()) {
            throw new InvalidMediaException("the video does not decode: " + orUnknown(r.stderrTail()));
        }
        return (int) r.stdout().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
    }

    private static int normalize(int degrees) {
        return ((degrees % 360) + 360) % 360;
    }

    /** "30000/1001" or "16:9" as a number; 0 when absent or degenerate. */
    static double ratio(String s) {
        String[] parts = s.split("[/:]");
        if (parts.length != 2) {
            return 0;
        }
        try {
            double num = Double.parseDouble(parts[0]);
            double den = Double.parseDouble(parts[1]);
            return den > 0 && num > 0 ? num / den : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static OptionalDouble seconds(JsonNode n) {
        try {
            double d = Double.parseDouble(n.asText(""));
            return Double.isFinite(d) && d > 0 ? OptionalDouble.of(d) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /** Matroska's "00:01:02.345000000" stream duration tag. */
    private static OptionalDouble clock(String s) {
        String[] p = s.split(":");
        if (p.length != 3) {
            return OptionalDouble.empty();
        }
        try {
            double d = Integer.parseInt(p[0]) * 3600 + Integer.parseInt(p[1]) * 60 + Double.parseDouble(p[2]);
            return d > 0 ? OptionalDouble.of(d) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    private static String orUnknown(String stderrTail) {
        return stderrTail.isBlank() ? "no details from ffprobe" : stderrTail;
    }
}
