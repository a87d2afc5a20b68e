package io.vidforge.media;

import io.vidforge.config.Settings;
import java.time.Duration;

/**
 * Knobs of the media pipeline that do not change its output format (so they are not part of the
 * processing profile).
 *
 * @param x264Preset        speed/size trade-off of libx264 ({@code FFMPEG_X264_PRESET}, default veryfast)
 * @param stallTimeout      ffmpeg is killed when its output time has not advanced for this long
 *                          ({@code FFMPEG_STALL_SECONDS}, default 60)
 * @param probeTimeout      limit of each ffprobe call and decode check ({@code FFPROBE_TIMEOUT_SECONDS}, 60)
 * @param encodeTimeoutBase the fixed part of an encode's hard limit ({@code FFMPEG_TIMEOUT_BASE_SECONDS}, 300)
 * @param encodeTimeoutPerSourceSecond added per second of source ({@code FFMPEG_TIMEOUT_PER_SOURCE_SECOND}, 20):
 *                          the stall watchdog catches hangs; this only bounds pathological slowness
 */
public record MediaSettings(String x264Preset, Duration stallTimeout, Duration probeTimeout,
                            Duration encodeTimeoutBase, double encodeTimeoutPerSourceSecond) {

    public static MediaSettings defaults() {
        return from(Settings.of(java.util.Map.of()));
    }

    public static MediaSettings from(Settings s) {
        return new MediaSettings(
                s.string("FFMPEG_X264_PRESET", "veryfast"),
                s.seconds("FFMPEG_STALL_SECONDS", 60),
                s.seconds("FFPROBE_TIMEOUT_SECONDS", 60),
                s.seconds("FFMPEG_TIMEOUT_BASE_SECONDS", 300),
                s.decimal("FFMPEG_TIMEOUT_PER_SOURCE_SECOND", 20));
    }

    public MediaSettings withStallTimeout(Duration stall) {
        return new MediaSettings(x264Preset, stall, probeTimeout, encodeTimeoutBase, encodeTimeoutPerSourceSecond);
    }

    /** Hard limit for one ffmpeg pass over a source of this duration. */
    public Duration encodeTimeout(double sourceSeconds) {
        return encodeTimeoutBase.plus(Duration.ofMillis(Math.round(sourceSeconds * encodeTimeoutPerSourceSecond * 1000)));
    }
}
