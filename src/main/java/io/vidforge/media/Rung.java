package io.vidforge.media;

/**
 * One rung of the encoding ladder. {@code height} is the target height (width follows the source's
 * aspect, rounded to even); bitrates in kb/s; {@code avcProfile}/{@code avcLevel} fix the H.264
 * profile and level so the master playlist's CODECS string is known before encoding.
 */
public record Rung(String name, int height, int videoKbps, int maxrateKbps, int audioKbps,
                   String avcProfile, String avcLevel) {

    /** Canonical text of every setting that changes the output; feeds the profile id. */
    String canonical() {
        return name + ":" + height + ":" + videoKbps + ":" + maxrateKbps + ":" + audioKbps + ":" + avcProfile + ":"
                + avcLevel;
    }
}
