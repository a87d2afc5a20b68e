package io.vidforge.media;

import io.vidforge.model.Variant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Renders the HLS master playlist. ffmpeg's own omits FRAME-RATE and puts INDEPENDENT-SEGMENTS only in
 * variant playlists, so the platform writes it (Apple HLS authoring: BANDWIDTH is the measured peak,
 * plus AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE). The audio rendition, when there is one, is an
 * {@code EXT-X-MEDIA:TYPE=AUDIO} entry of group {@link #AUDIO_GROUP} that every video variant references;
 * each variant's BANDWIDTH, AVERAGE-BANDWIDTH and CODECS then cover its video and that audio together, as
 * RFC 8216 asks of a variant stream with renditions. Ladders published before the audio rendition existed
 * (audio muxed into every rung) render as they always did. Variants are listed highest first except
 * that players start from the first entry, so a mid rung is put first for a fast start.
 */
public final class MasterPlaylist {
    public static final String AUDIO_GROUP = "audio";

    private MasterPlaylist() {
    }

    /** {@code uriFor} gives each rendition's playlist URI as it should appear (relative or absolute). */
    public static String render(List<Variant> variants, Function<Variant, String> uriFor) {
        Optional<Variant> audio = variants.stream().filter(Variant::isAudio).findFirst();
        List<Variant> ordered = variants.stream()
                .filter(v -> !v.isAudio())
                .sorted(Comparator.comparingLong(Variant::bandwidth).reversed())
                .toList();
        StringBuilder sb = new StringBuilder();
        sb.append("#EXTM3U\n");
        sb.append("#EXT-X-VERSION:7\n");
        sb.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        audio.ifPresent(a -> sb.append("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"").append(AUDIO_GROUP)
                .append("\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"")
                .append(uriFor.apply(a)).append("\"\n"));
        long audioPeak = audio.map(Variant::bandwidth).orElse(0L);
        long audioAverage = audio.map(Variant::averageBandwidth).orElse(0L);
        for (Variant v : startFirst(ordered)) {
            sb.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(v.bandwidth() + audioPeak)
                    .append(",AVERAGE-BANDWIDTH=").append(v.averageBandwidth() + audioAverage)
                    .append(",CODECS=\"").append(v.codecs()).append(audio.map(a -> "," + a.codecs()).orElse(""))
                    .append('"')
                    .append(",RESOLUTION=").append(v.resolution())
                    .append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", v.frameRate()));
            if (audio.isPresent()) {
                sb.append(",AUDIO=\"").append(AUDIO_GROUP).append('"');
            }
            // Without it Safari may assume CEA-608 captions in the video and offer an empty track.
            sb.append(",CLOSED-CAPTIONS=NONE")
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
        List<Variant> out = new ArrayList<>(byBandwidthDesc);
        Variant start = out.remove(1);
        out.add(0, start);
        return out;
    }
}
