package io.vidforge.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One published rendition of a video: a rung of the video ladder ({@code type} "video") or the one audio
 * rendition every rung shares ({@code type} "audio", named {@link #AUDIO}, no picture size or frame rate).
 * {@code prefix} is the S3 prefix (ending in '/') that holds its {@code index.m3u8}, {@code init.mp4} and
 * {@code seg_NNNNN.m4s}; it is attempt-scoped and only ever set by the fenced publish. {@code bandwidth} is
 * the measured peak of this rendition's own stream, {@code averageBandwidth} its mean, {@code codecs} its
 * own codec. Ladders published before the audio rendition existed have no {@code type} (read as video)
 * and carry their audio inside each rung, with both codecs in {@code codecs}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Variant(
        String name,
        int width,
        int height,
        long bandwidth,
        long averageBandwidth,
        String codecs,
        double frameRate,
        int segmentCount,
        double segmentSeconds,
        String prefix,
        String type) {
    /** The name (and the playback URL path part) of the audio rendition. */
    public static final String AUDIO = "audio";
    public static final String VIDEO_TYPE = "video";
    public static final String AUDIO_TYPE = "audio";

    public Variant {
        type = type == null ? VIDEO_TYPE : type;
    }

    /** A video rung. */
    public Variant(String name, int width, int height, long bandwidth, long averageBandwidth, String codecs,
                   double frameRate, int segmentCount, double segmentSeconds, String prefix) {
        this(name, width, height, bandwidth, averageBandwidth, codecs, frameRate, segmentCount, segmentSeconds, prefix,
                VIDEO_TYPE);
    }

    /** The audio rendition. */
    public static Variant audio(long bandwidth, long averageBandwidth, String codecs, int segmentCount,
                                double segmentSeconds, String prefix) {
        return new Variant(AUDIO, 0, 0, bandwidth, averageBandwidth, codecs, 0, segmentCount, segmentSeconds, prefix,
                AUDIO_TYPE);
    }

    @JsonIgnore
    public boolean isAudio() {
        return AUDIO_TYPE.equals(type);
    }

    public String resolution() {
        return width + "x" + height;
    }

    /** The same rendition, stored at {@code prefix}. */
    public Variant at(String prefix) {
        return new Variant(name, width, height, bandwidth, averageBandwidth, codecs, frameRate, segmentCount,
                segmentSeconds, prefix, type);
    }
}
