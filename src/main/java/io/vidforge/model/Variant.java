package io.vidforge.model;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One published rung of a video's ladder. {@code prefix} is the S3 prefix (ending in '/') that holds its
 * {@code index.m3u8}, {@code init.mp4} and {@code seg_NNNNN.m4s}; it is attempt-scoped and only ever
 * set by the fenced publish. {@code bandwidth} is the measured peak, {@code averageBandwidth} the mean.
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
        String prefix) {

    public String resolution() {
        return width + "x" + height;
    }
}
