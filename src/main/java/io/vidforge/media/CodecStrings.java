package io.vidforge.media;

import java.util.Locale;

/**
 * RFC 6381 codec strings for the master playlist's CODECS attribute. The H.264 string is known from the
 * rung's profile and level before encoding; the encoder reads the one it actually wrote back from the
 * init segment (see {@link InitSegment}), which is what players check.
 */
public final class CodecStrings {
    /** Stereo AAC-LC, the only audio the ladder produces. */
    public static final String AAC_LC = "mp4a.40.2";

    private CodecStrings() {
    }

    /**
     * {@code avc1.PPCCLL}: profile_idc, the constraint flags libx264 sets for that profile (baseline:
     * set0+set1, main: set1, high: none), level_idc; e.g. high 3.1 → {@code avc1.64001f}.
     */
    public static String avc1(String profile, String level) {
        int profileIdc;
        int constraints;
        switch (profile.toLowerCase(Locale.ROOT)) {
            case "baseline" -> {
                profileIdc = 66;
                constraints = 0xC0;
            }
            case "main" -> {
                profileIdc = 77;
                constraints = 0x40;
            }
            case "high" -> {
                profileIdc = 100;
                constraints = 0x00;
            }
            default -> throw new IllegalArgumentException("unsupported H.264 profile '" + profile + "'");
        }
        return String.format(Locale.ROOT, "avc1.%02x%02x%02x", profileIdc, constraints, levelIdc(level));
    }

    /** The codec of a rung's own (video-only) stream. */
    public static String forRung(Rung rung) {
        return avc1(rung.avcProfile(), rung.avcLevel());
    }

    /** "3.1" → 31, "4" → 40. */
    static int levelIdc(String level) {
        String[] parts = level.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            if (parts.length > 2 || major < 1 || major > 6 || minor < 0 || minor > 9) {
                throw new IllegalArgumentException("unsupported H.264 level '" + level + "'");
            }
            return major * 10 + minor;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unsupported H.264 level '" + level + "'", e);
        }
    }
}
