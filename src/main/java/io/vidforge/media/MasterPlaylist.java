package io.vidforge.media;

import io.vidforge.model.Variant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Renders the HLS master playlist. ffmpeg's own omits FRAME-RATE and puts INDEPENDENT-SEGMENTS only in
 * variant playlists, so the platform writes it (Apple HLS authoring: BANDWIDTH is the measured peak,
 * plus AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE). Variants are listed highest first except
 * that players start from the first entry, so a mid rung is put first for a fast start.
 */
public final class MasterPlaylist {
    private MasterPlaylist() {
    }

    /** {@code uriFor} gives each variant playlist's URI as it should appear (relative or absolute). */
    public static String render(List<Variant> variants, Function<Variant, String> uriFor) {
        List<Variant> ordered = variants.stream()
                .sorted(Comparator.comparingLong(Variant::bandwidth).reversed())
                .toList();
        StringBuilder sb = new StringBuilder();
        sb.append("#EXTM3U\n");
        sb.append("#EXT-X-VERSION:7\n");
        sb.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        for (Variant v : startFirst(ordered)) {
            sb.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(v.bandwidth())
                    .append(",AVERAGE-BANDWIDTH=").append(v.averageBandwidth())
                    .append(",CODECS=\"").append(v.codecs()).append('"')
                    .append(",RESOLUTION=").append(v.resolution())
                    .append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", v.frameRate()))
                    // Without it Safari may assume CEA-608 captions in the video and offer an empty track.
                    .append(",CLOSED-CAPTIONS=NONE")
                    .append('\n')
                    .append(uriFor.apply(v)).append('\n');
        }
        return sb.toString();
    }

    /**
     * Players begin with the first listed variant; starting at the second-highest rung (when there are
     * three or more) trades a sharp first frame for a quick start on ordinary connections.
     */
    private static List<Variant> startFirst(List<Variant> byBandwidthDesc) {
        if (byBandwidthDesc.size() < 3) {
            return byBandwidthDesc;
        }
        java.util.ArrayList<Variant> out = new java.util.ArrayList<>(byBandwidthDesc);
        Variant start = out.remove(1);
        out.add(0, start);
        return out;
    }
}
