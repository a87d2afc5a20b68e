package io.vidforge.media;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * BANDWIDTH and AVERAGE-BANDWIDTH of a variant, measured from the bytes of its segments as RFC 8216bis
 * defines them. The peak is the highest bit rate of any run of consecutive segments lasting 0.5 to 1.5
 * target durations, so a final segment of one frame (an IDR in 40 ms) does not announce an absurd peak,
 * while a genuinely dense stretch still does.
 */
public record VariantBandwidth(long peak, long average) {

    public static VariantBandwidth measure(VariantPlaylist playlist, ToLongFunction<String> segmentBytes) {
        List<VariantPlaylist.Segment> segs = playlist.segments();
        long[] bytes = new long[segs.size()];
        long totalBytes = 0;
        for (int i = 0; i < segs.size(); i++) {
            bytes[i] = segmentBytes.applyAsLong(segs.get(i).uri());
            totalBytes += bytes[i];
        }
        double totalSeconds = Math.max(playlist.totalDuration(), 1e-3);
        long average = (long) Math.ceil(totalBytes * 8 / totalSeconds);

        double min = 0.5 * playlist.targetDuration();
        double max = 1.5 * playlist.targetDuration();
        double peak = 0;
        for (int i = 0; i < segs.size(); i++) {
            long runBytes = 0;
            double runSeconds = 0;
            for (int j = i; j < segs.size(); j++) {
                runBytes += bytes[j];
                runSeconds += segs.get(j).durationS();
                if (runSeconds > max) {
                    break;
                }
                if (runSeconds >= min) {
                    peak = Math.max(peak, runBytes * 8 / runSeconds);
                }
            }
        }
        // A video shorter than half a target duration has no qualifying run: its mean is its peak.
        return new VariantBandwidth(Math.max((long) Math.ceil(peak), average), average);
    }
}
