package io.vidforge.media;

/**
 * One rung of the encoding ladder. {@code height} is the target height (width follows the source's
 * aspect, rounded to even); video bitrates in kb/s (the audio is one rendition shared by every rung, see
 * {@link Ladder#audioKbps()}); {@code avcProfile}/{@code avcLevel} fix the H.264 profile and level so the
 * master playlist's CODECS string is known before encoding.
 */
public record Rung(String name, int height, int videoKbps, int maxrateKbps, String avcProfile, String avcLevel) {

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
        return name + ":" + height + ":" + videoKbps + ":" + maxrateKbps + ":" + avcProfile + ":"
                + avcLevel;
    }
}
