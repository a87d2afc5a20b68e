package io.vidforge.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A VOD fMP4 media playlist: the init segment and the media segments with their durations. The
 * platform re-renders ffmpeg's playlist through {@link #render()} so that every tag Apple's authoring
 * spec requires is there whatever ffmpeg version wrote it, and parses stored playlists to verify them.
 */
public record VariantPlaylist(String mapUri, List<Segment> segments) {
    private static final Pattern MAP = Pattern.compile("#EXT-X-MAP:.*URI=\"([^\"]+)\".*");

    public record Segment(double durationS, String uri) {
    }

    public VariantPlaylist {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a playlist without segments");
        }
    }

    /** @throws IllegalArgumentException when the text is not a media playlist with EXT-X-MAP and segments */
    public static VariantPlaylist parse(String text) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty() || !lines.get(0).equals("#EXTM3U")) {
            throw new IllegalArgumentException("not an M3U8 playlist");
        }
        String map = null;
        List<Segment> segments = new ArrayList<>();
        Double pending = null;
        for (String line : lines) {
            Matcher m = MAP.matcher(line);
            if (m.matches()) {
                map = m.group(1);
            } else if (line.startsWith("#EXTINF:")) {
                String v = line.substring("#EXTINF:".length());
                int comma = v.indexOf(',');
                pending = Double.parseDouble(comma >= 0 ? v.substring(0, comma) : v);
            } else if (!line.startsWith("#")) {
                if (pending == null) {
                    throw new IllegalArgumentException("segment URI without EXTINF: " + line);
                }
                segments.add(new Segment(pending, line));
                pending = null;
            }
        }
        if (map == null) {
            throw new IllegalArgumentException("no EXT-X-MAP: not an fMP4 playlist");
        }
        return new VariantPlaylist(map, segments);
    }

    /** The smallest integer that every EXTINF, rounded to the nearest integer, does not exceed (RFC 8216). */
    public int targetDuration() {
        long max = 1;
        for (Segment s : segments) {
            max = Math.max(max, Math.round(s.durationS()));
        }
        return (int) max;
    }

    public double totalDuration() {
        return segments.stream().mapToDouble(Segment::durationS).sum();
    }

    public String render() {
        return render("VOD", targetDuration(), false, true);
    }

    /**
     * The playlist of a video still being encoded: {@code EVENT} (segments are only ever appended), played
     * from its start ({@code EXT-X-START:TIME-OFFSET=0}, not the live edge), without {@code EXT-X-ENDLIST}.
     * {@code targetDuration} must be the final playlist's (RFC 8216 §6.2.1: it must not change).
     */
    public String renderEvent(int targetDuration) {
        return render("EVENT", Math.max(targetDuration, targetDuration()), true, false);
    }

    /**
     * The last state of an EVENT playlist: every segment, then {@code EXT-X-ENDLIST}. What a player that
     * started on the growing playlist reloads once the video is published: RFC 8216 §6.2.1 allows exactly
     * this change (lines appended, the end tag added), where switching to the VOD rendering would not.
     */
    public String renderEventEnded(int targetDuration) {
        return render("EVENT", Math.max(targetDuration, targetDuration()), true, true);
    }

    private String render(String type, int targetDuration, boolean fromStart, boolean ended) {
        StringBuilder sb = new StringBuilder();
        sb.append("#EXTM3U\n");
        sb.append("#EXT-X-VERSION:7\n");
        sb.append("#EXT-X-TARGETDURATION:").append(targetDuration).append('\n');
        sb.append("#EXT-X-MEDIA-SEQUENCE:0\n");
        sb.append("#EXT-X-PLAYLIST-TYPE:").append(type).append('\n');
        if (fromStart) {
            sb.append("#EXT-X-START:TIME-OFFSET=0\n");
        }
        sb.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        sb.append("#EXT-X-MAP:URI=\"").append(mapUri).append("\"\n");
        for (Segment s : segments) {
            sb.append(String.format(Locale.ROOT, "#EXTINF:%.6f,", s.durationS())).append('\n');
            sb.append(s.uri()).append('\n');
        }
        if (ended) {
            sb.append("#EXT-X-ENDLIST\n");
        }
        return sb.toString();
    }
}
