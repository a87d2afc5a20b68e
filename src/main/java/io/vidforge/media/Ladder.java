package io.vidforge.media;

import com.google.common.hash.Hashing;
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
    static final int ENCODER_REVISION = 1;

    private static final List<Rung> STANDARD = List.of(
            new Rung("1080p", 1080, 5000, 7500, 128, "high", "4.0"),
            new Rung("720p", 720, 2800, 4200, 128, "high", "3.1"),
            new Rung("480p", 480, 1200, 1800, 96, "main", "3.0"),
            new Rung("360p", 360, 700, 1050, 96, "main", "3.0"),
            // The cellular rung: about 200 kb/s in all.
            new Rung("240p", 240, 150, 225, 48, "baseline", "3.0"));

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

    /**
     * Seconds between forced IDR frames: 2 when the segment duration is even (Apple's authoring spec
     * asks for a keyframe about every 2 s), else the segment duration itself. Either way every segment
     * boundary is a multiple of it, so every segment starts with an IDR.
     */
    public int keyframeIntervalSeconds() {
        return segmentSeconds % 2 == 0 ? 2 : segmentSeconds;
    }

    /** The rung of this ladder named {@code name} for a source of this height, if it is planned for it. */
    public Optional<Rung> rungFor(String name, int sourceHeight) {
        return rungsFor(sourceHeight).stream().filter(r -> r.name().equals(name)).findFirst();
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
            out.add(new Rung(h + "p", h, low.videoKbps(), low.maxrateKbps(), low.audioKbps(), low.avcProfile(),
                    low.avcLevel()));
        }
        return out;
    }

    /** A short stable id of everything that determines the output, e.g. {@code p1-3f9a0c2b1d4e5f60}. */
    public String profileId() {
        StringBuilder sb = new StringBuilder("rev=").append(ENCODER_REVISION).append(";seg=").append(segmentSeconds);
        for (Rung r : rungs) {
            sb.append(';').append(r.canonical());
        }
        return "p1-" + Hashing.sha256().hashString(sb, StandardCharsets.UTF_8).toString().substring(0, 16);
    }
}
