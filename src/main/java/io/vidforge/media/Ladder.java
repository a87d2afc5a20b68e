package io.vidforge.media;

import com.google.common.hash.Hashing;
import io.vidforge.model.SourceInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The processing profile: the rungs and the segment duration. Its {@link #profileId()} is part of
 * every {@code video_id}, so changing the ladder gives new ids rather than mixing outputs of two
 * profiles under one id.
 */
public final class Ladder {
    /** Bump when the encoder arguments change in a way the rung table does not show. */
    static final int ENCODER_REVISION = 2;
    /**
     * The one audio rendition every rung shares: stereo AAC-LC. 96 kb/s keeps the cellular rung (240p
     * video plus this audio) near Apple's ~200 kb/s while being transparent enough for speech and music
     * at that rung; Apple's authoring table allows 32-160 kb/s for stereo AAC-LC.
     */
    static final int AUDIO_KBPS = 96;

    private static final List<Rung> STANDARD = List.of(
            new Rung("1080p", 1080, 5000, 7500, "high", "4.0"),
            new Rung("720p", 720, 2800, 4200, "high", "3.1"),
            new Rung("480p", 480, 1200, 1800, "main", "3.0"),
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
        return new Ladder(STANDARD, segmentSeconds);
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

    /** The rungs planned for this source. */
    public List<Rung> rungsFor(SourceInfo source) {
        return rungsFor(source.height());
    }

    /**
     * The rungs for a source of the given displayed height: never upscaled. A source smaller than the
     * lowest rung gets one rung at its own (even) height with the lowest rung's bitrates.
     */
    public List<Rung> rungsFor(int sourceHeight) {
        List<Rung> out = new ArrayList<>();
        for (Rung r : rungs) {
            if (r.height() <= sourceHeight) {
                out.add(r);
            }
        }
        if (out.isEmpty()) {
            Rung low = rungs.get(rungs.size() - 1);
            int h = Math.max(2, sourceHeight - (sourceHeight % 2));
            out.add(new Rung(h + "p", h, low.videoKbps(), low.maxrateKbps(), low.avcProfile(),
                    low.avcLevel()));
        }
        return out;
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
