package io.vidforge.model;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What the probe found in an upload. {@code width}/{@code height} are as displayed (after rotation).
 * {@code audioCodec} is null when there is no audio; {@code audioTrack} is the index, among the audio
 * streams, of the one taken (the default by its disposition, else the first). {@code hdr} is "pq", "hlg"
 * or null (SDR); {@code bitDepth} the bits per sample of the video (0 when ffprobe did not say).
 * Sources probed before these fields existed read as track 0, SDR, depth unknown.
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
        String container,
        int audioTrack,
        String hdr,
        int bitDepth) {
    public static final String PQ = "pq";
    public static final String HLG = "hlg";

    /** An 8-bit SDR source whose first audio stream (if any) is taken. */
    public SourceInfo(double durationS, int width, int height, String videoCodec, String audioCodec, double frameRate,
                      int audioChannels, int rotation, String container) {
        this(durationS, width, height, videoCodec, audioCodec, frameRate, audioChannels, rotation, container, 0, null, 8);
    }

    public boolean hasAudio() {
        return audioCodec != null;
    }

    /**
     * Not {@code isHdr}: Jackson would read that as the accessor of the {@code hdr} property, and ignoring it
     * dropped {@code hdr} from the stored source, so the worker's TRANSCODE saw every HDR source as SDR.
     */
    public boolean hasHdr() {
        return hdr != null;
    }

    /** The shorter displayed side: what a rung's name and size are decided by (YouTube's and PeerTube's convention). */
    public int shortSide() {
        return Math.min(width, height);
    }

    public SourceInfo withDuration(double seconds) {
        return new SourceInfo(seconds, width, height, videoCodec, audioCodec, frameRate, audioChannels, rotation,
                container, audioTrack, hdr, bitDepth);
    }
}
