package io.vidforge.media;

/**
 * One rung of the encoding ladder. {@code shortSide} is the target length of the picture's shorter side
 * (the height of a landscape video, the width of a portrait one; the other side follows the source's
 * aspect, rounded to even, see {@link FrameSize}); video bitrates in kb/s (the audio is one rendition
 * shared by every rung, see {@link Ladder#audioKbps()}); {@code avcProfile}/{@code avcLevel} fix the H.264
 * profile and level so the master playlist's CODECS string is known before encoding. The {@code hfr…}
 * figures apply when the rung carries a 50 or 60 fps source at its full rate (rungs of 720 lines and more;
 * zero/null for lower rungs, which halve the rate instead).
 */
public record Rung(String name, int shortSide, int videoKbps, int maxrateKbps, String avcProfile, String avcLevel,
                   int hfrVideoKbps, int hfrMaxrateKbps, String hfrAvcLevel) {

    /** A rung that halves the rate of a high-frame-rate source rather than carrying it. */
    public Rung(String name, int shortSide, int videoKbps, int maxrateKbps, String avcProfile, String avcLevel) {
        this(name, shortSide, videoKbps, maxrateKbps, avcProfile, avcLevel, 0, 0, null);
    }

    /** Whether a 50/60 fps source keeps its full rate on this rung. */
    public boolean carriesHighFrameRate() {
        return hfrVideoKbps > 0;
    }

    /** This rung as it encodes a source at 50/60 fps: the raised bitrates and the level that fits them. */
    public Rung atHighFrameRate() {
        if (!carriesHighFrameRate()) {
            throw new IllegalStateException(name + " does not carry a high frame rate");
        }
        return new Rung(name, shortSide, hfrVideoKbps, hfrMaxrateKbps, avcProfile, hfrAvcLevel, hfrVideoKbps,
                hfrMaxrateKbps, hfrAvcLevel);
    }

    /**
     * The VBV buffer: twice the average rate, about 1.3 s at the peak rate. Together with
     * {@code maxrate} it bounds how far a segment's bitrate can rise above the average (the peak the
     * master playlist's BANDWIDTH announces).
     */
    public int bufsizeKbps() {
        return 2 * videoKbps;
    }

    /** Canonical text of every setting that changes the output; feeds the profile id. */
    String canonical() {
        return name + ":" + shortSide + ":" + videoKbps + ":" + maxrateKbps + ":" + avcProfile + ":" + avcLevel
                + (carriesHighFrameRate() ? ":hfr=" + hfrVideoKbps + ":" + hfrMaxrateKbps + ":" + hfrAvcLevel : "");
    }
}
