package io.vidforge.media;

import com.google.common.hash.Hashing;
import io.vidforge.config.Settings;
import io.vidforge.model.SourceInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The processing profile: the rungs, the audio rendition and the segment duration. Its {@link #profileId()}
 * is part of every {@code video_id}, so changing the ladder gives new ids rather than mixing outputs of two
 * profiles under one id.
 *
 * <p>Rungs are named and sized by the picture's shorter side (YouTube's and PeerTube's convention): a
 * 1080x1920 portrait video gets a "1080p" rung at 1080x1920. Bitrates of the rungs up to 1080p follow
 * Apple's HLS authoring table within ~20 %; 1440p and 2160p are H.264 High at the level their macroblock rate
 * needs (5.0/5.1 at 30 fps, 5.1/5.2 at 60). Sources at 50/60 fps keep their rate on rungs of 720 lines and
 * more with 1.5 × the bitrate (YouTube's ratio between its 60 and 30 fps recommendations), and halve it on
 * lower rungs, where the extra frames cost more than they show.
 */
public final class Ladder {
    /** Bump when the encoder arguments change in a way the rung table does not show. */
    static final int ENCODER_REVISION = 3;
    /**
     * The one audio rendition every rung shares: stereo AAC-LC. 96 kb/s keeps the cellular rung (240p
     * video plus this audio) under 250 kb/s while being transparent enough for speech and music at that
     * rung; Apple's authoring table allows 32-160 kb/s for stereo AAC-LC.
     */
    static final int AUDIO_KBPS = 96;
    /** The highest rung by default ({@code MAX_RUNG}). */
    public static final int DEFAULT_MAX_RUNG = 2160;
    /** Output rates above this are "high frame rate" (48, 50, 59.94, 60). */
    private static final double HFR_ABOVE = 30.5;

    private static final List<Rung> STANDARD = List.of(
            new Rung("2160p", 2160, 16000, 24000, "high", "5.1", 24000, 36000, "5.2"),
            new Rung("1440p", 1440, 9000, 13500, "high", "5.0", 13500, 20250, "5.1"),
            new Rung("1080p", 1080, 5000, 7500, "high", "4.0", 7500, 11250, "4.2"),
            new Rung("720p", 720, 2800, 4200, "high", "3.1", 4200, 6300, "3.2"),
            // 854x480 at 30 fps is 48,600 macroblocks/s: above level 3.0's 40,500.
            new Rung("480p", 480, 1200, 1800, "main", "3.1"),
            new Rung("360p", 360, 700, 1050, "main", "3.0"),
            // The cellular rung: at most ~240 kb/s with the 96 kb/s audio rendition (measured peak of both
            // on a hard test pattern), where Apple asks for about 200 kb/s.
            new Rung("240p", 240, 100, 135, "baseline", "3.0"));

    private final List<Rung> rungs;
    private final int segmentSeconds;

    public Ladder(List<Rung> rungs, int segmentSeconds) {
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("a ladder needs at least one rung");
        }
        if (segmentSeconds < 1 || segmentSeconds > 30) {
            throw new IllegalArgumentException("SEGMENT_SECONDS must be 1..30, was " + segmentSeconds);
        }
        this.rungs = List.copyOf(rungs);
        this.segmentSeconds = segmentSeconds;
    }

    public static Ladder standard(int segmentSeconds) {
        return standard(segmentSeconds, DEFAULT_MAX_RUNG);
    }

    /** The standard rungs up to {@code maxRung} lines (the lowest rung is always kept). */
    public static Ladder standard(int segmentSeconds, int maxRung) {
        List<Rung> kept = STANDARD.stream().filter(r -> r.shortSide() <= maxRung).toList();
        return new Ladder(kept.isEmpty() ? List.of(STANDARD.get(STANDARD.size() - 1)) : kept, segmentSeconds);
    }

    /** {@code SEGMENT_SECONDS} (default 6) and {@code MAX_RUNG} (default 2160). */
    public static Ladder from(Settings settings) {
        return standard(settings.segmentSeconds(), settings.integer("MAX_RUNG", DEFAULT_MAX_RUNG));
    }

    public List<Rung> rungs() {
        return rungs;
    }

    public int segmentSeconds() {
        return segmentSeconds;
    }

    /** The bit rate of the audio rendition. */
    public int audioKbps() {
        return AUDIO_KBPS;
    }

    /**
     * Seconds between forced IDR frames: 2 when the segment duration is even (Apple's authoring spec
     * asks for a keyframe about every 2 s), else the segment duration itself. Either way every segment
     * boundary is a multiple of it, so every segment starts with an IDR.
     */
    public int keyframeIntervalSeconds() {
        return segmentSeconds % 2 == 0 ? 2 : segmentSeconds;
    }

    /** The rung of this ladder named {@code name}, if it is planned for this source. */
    public Optional<Rung> rungFor(String name, SourceInfo source) {
        return rungsFor(source).stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /**
     * The rungs planned for this source: every rung whose short side is at most the source's (never
     * upscaled), with the high-frame-rate figures where the rung carries a 50/60 fps source at full rate. A
     * source smaller than the lowest rung gets one rung at its own (even) short side with the lowest
     * rung's bitrates.
     */
    public List<Rung> rungsFor(SourceInfo source) {
        boolean hfr = isHighFrameRate(source);
        List<Rung> out = new ArrayList<>();
        for (Rung r : rungsFor(source.shortSide())) {
            out.add(hfr && r.carriesHighFrameRate() ? r.atHighFrameRate() : r);
        }
        return out;
    }

    /** The rungs for a source whose shorter displayed side is {@code sourceShortSide}. */
    public List<Rung> rungsFor(int sourceShortSide) {
        List<Rung> out = new ArrayList<>();
        for (Rung r : rungs) {
            if (r.shortSide() <= sourceShortSide) {
                out.add(r);
            }
        }
        if (out.isEmpty()) {
            Rung low = rungs.get(rungs.size() - 1);
            int s = Math.max(2, sourceShortSide - (sourceShortSide % 2));
            out.add(new Rung(s + "p", s, low.videoKbps(), low.maxrateKbps(), low.avcProfile(), low.avcLevel()));
        }
        return out;
    }

    /** Whether the source's output rate is 48, 50 or 60 fps (after {@link OutputFrameRate}'s snapping). */
    public static boolean isHighFrameRate(SourceInfo source) {
        return OutputFrameRate.forSource(source.frameRate()).value() > HFR_ABOVE;
    }

    /**
     * The constant frame rate of one rung: the source's output rate, halved on rungs that do not carry a
     * high frame rate. Halving keeps every other frame of the full-rate timeline, so forced keyframes (at
     * the same timestamps) and segment boundaries stay aligned across rungs.
     */
    public OutputFrameRate frameRateFor(SourceInfo source, Rung rung) {
        OutputFrameRate full = OutputFrameRate.forSource(source.frameRate());
        return full.value() > HFR_ABOVE && !rung.carriesHighFrameRate() ? full.half() : full;
    }

    /** A short stable id of everything that determines the output, e.g. {@code p1-3f9a0c2b1d4e5f60}. */
    public String profileId() {
        StringBuilder sb = new StringBuilder("rev=").append(ENCODER_REVISION).append(";seg=").append(segmentSeconds)
                .append(";audio=aac-lc:2:48000:").append(AUDIO_KBPS);
        for (Rung r : rungs) {
            sb.append(';').append(r.canonical());
        }
        return "p1-" + Hashing.sha256().hashString(sb, StandardCharsets.UTF_8).toString().substring(0, 16);
    }
}
