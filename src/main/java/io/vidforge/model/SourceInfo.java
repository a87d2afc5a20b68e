package io.vidforge.model;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What the probe found in an upload. {@code width}/{@code height} are as displayed (after rotation).
 * {@code audioCodec} is null when there is no audio.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SourceInfo(
        double durationS,
        int width,
        int height,
        String videoCodec,
        String audioCodec,
        double frameRate,
        int audioChannels,
        int rotation,
        String container) {

    public boolean hasAudio() {
        return audioCodec != null;
    }
}
