package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Apple HLS authoring rules (and RFC 8216) that Safari and hls.js depend on, checked on a master
 * playlist and its variant playlists as text. Reusable by any test that produces playlists: collect
 * the violations with {@link #violations} or fail with all of them at once with {@link #assertSatisfied}.
 */
public final class HlsAuthoringRules {
    /** The cellular rung: Apple asks for a variant around 200 kb/s or less. */
    public static final long LOW_RUNG_MAX_BPS = 250_000;

    private static final Pattern ATTRIBUTE = Pattern.compile("([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)");

    /** One EXT-X-STREAM-INF entry of a master playlist. */
    public record StreamInf(Map<String, String> attributes, String uri) {
        public long bandwidth() {
            return Long.parseLong(attributes.getOrDefault("BANDWIDTH", "-1"));
        }

        public long averageBandwidth() {
            return Long.parseLong(attributes.getOrDefault("AVERAGE-BANDWIDTH", "-1"));
        }

        public String codecs() {
            return attributes.getOrDefault("CODECS", "");
        }
    }

    private HlsAuthoringRules() {
    }

    /** The attributes of the master's {@code EXT-X-MEDIA} entries. */
    public static List<Map<String, String>> parseMedia(String master) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : master.lines().map(String::strip).toList()) {
            if (line.startsWith("#EXT-X-MEDIA:")) {
                out.add(attributes(line.substring("#EXT-X-MEDIA:".length())));
            }
        }
        return out;
    }

    private static Map<String, String> attributes(String list) {
        Map<String, String> attrs = new LinkedHashMap<>();
        Matcher m = ATTRIBUTE.matcher(list);
        while (m.find()) {
            attrs.put(m.group(1), m.group(2).replace("\"", ""));
        }
        return attrs;
    }

    public static List<StreamInf> parseMaster(String master) {
        List<StreamInf> out = new ArrayList<>();
        List<String> lines = master.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#EXT-X-STREAM-INF:")) {
                Map<String, String> attrs = attributes(lines.get(i).substring("#EXT-X-STREAM-INF:".length()));
                String uri = i + 1 < lines.size() ? lines.get(i + 1) : "";
                out.add(new StreamInf(attrs, uri));
            }
        }
        return out;
    }

    /**
     * @param variantByUri     the text of the variant playlist each master entry names
     * @param sourceHasAudio   whether the source had audio: then there is exactly one audio rendition
     *                         ({@code EXT-X-MEDIA:TYPE=AUDIO}, default and autoselected) that every variant
     *                         references, and every variant's CODECS names AAC-LC; else neither
     * @param sourceHeight     the source's displayed height: from 240 up, a low rung must exist
     */
    public static List<String> violations(String master, Function<String, String> variantByUri, boolean sourceHasAudio,
                                          int sourceHeight) {
        List<String> v = new ArrayList<>();
        if (!master.startsWith("#EXTM3U")) {
            v.add("master: does not start with #EXTM3U");
        }
        if (!master.contains("#EXT-X-INDEPENDENT-SEGMENTS")) {
            v.add("master: no EXT-X-INDEPENDENT-SEGMENTS");
        }
        List<StreamInf> streams = parseMaster(master);
        if (streams.isEmpty()) {
            v.add("master: no EXT-X-STREAM-INF");
        }
        List<Map<String, String>> audio = parseMedia(master).stream()
                .filter(m -> "AUDIO".equals(m.get("TYPE"))).toList();
        String group = null;
        if (sourceHasAudio && audio.size() != 1) {
            v.add("master: " + audio.size() + " EXT-X-MEDIA:TYPE=AUDIO entries where one is expected");
        } else if (!sourceHasAudio && !audio.isEmpty()) {
            v.add("master: an audio rendition for a source without audio");
        }
        if (audio.size() == 1) {
            Map<String, String> a = audio.get(0);
            group = a.get("GROUP-ID");
            for (String required : List.of("GROUP-ID", "NAME", "URI")) {
                if (a.getOrDefault(required, "").isBlank()) {
                    v.add("audio rendition: no " + required);
                }
            }
            if (!"YES".equals(a.get("DEFAULT")) || !"YES".equals(a.get("AUTOSELECT"))) {
                v.add("audio rendition: not DEFAULT=YES,AUTOSELECT=YES");
            }
            String playlist = a.get("URI") == null ? null : variantByUri.apply(a.get("URI"));
            if (playlist == null) {
                v.add("audio rendition: playlist not found");
            } else {
                v.addAll(variantViolations(a.get("URI"), playlist));
            }
        }
        for (StreamInf s : streams) {
            String who = "master entry " + s.uri() + ": ";
            for (String required : List.of("BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION", "FRAME-RATE")) {
                if (!s.attributes().containsKey(required) || s.attributes().get(required).isBlank()) {
                    v.add(who + "no " + required);
                }
            }
            if (s.bandwidth() < s.averageBandwidth()) {
                v.add(who + "BANDWIDTH " + s.bandwidth() + " < AVERAGE-BANDWIDTH " + s.averageBandwidth());
            }
            if (!s.codecs().matches("avc1\\.[0-9a-fA-F]{6}(,mp4a\\.40\\.2)?")) {
                v.add(who + "CODECS \"" + s.codecs() + "\" is not H.264 with optional AAC-LC");
            }
            if (sourceHasAudio != s.codecs().contains("mp4a.40.2")) {
                v.add(who + "CODECS \"" + s.codecs() + "\" but the source " + (sourceHasAudio ? "has" : "has no") + " audio");
            }
            if (!java.util.Objects.equals(group, s.attributes().get("AUDIO"))) {
                v.add(who + "AUDIO=" + s.attributes().get("AUDIO") + " but the audio group is " + group);
            }
            if (!s.attributes().getOrDefault("RESOLUTION", "").matches("\\d+x\\d+")) {
                v.add(who + "RESOLUTION is not WxH");
            }
            String fps = s.attributes().getOrDefault("FRAME-RATE", "0");
            if (!fps.matches("\\d+\\.\\d{3}") || Double.parseDouble(fps) <= 0 || Double.parseDouble(fps) > 60.001) {
                v.add(who + "FRAME-RATE " + fps + " is not a rate in (0, 60] with 3 decimals");
            }
            String variant = variantByUri.apply(s.uri());
            if (variant == null) {
                v.add(who + "variant playlist not found");
            } else {
                v.addAll(variantViolations(s.uri(), variant));
            }
        }
        if (sourceHeight >= 240 && streams.stream().noneMatch(s -> s.bandwidth() > 0 && s.bandwidth() <= LOW_RUNG_MAX_BPS)) {
            v.add("master: no low rung of at most " + LOW_RUNG_MAX_BPS + " b/s for cellular");
        }
        return v;
    }

    public static List<String> variantViolations(String name, String playlist) {
        List<String> v = new ArrayList<>();
        String who = "variant " + name + ": ";
        for (String tag : List.of("#EXTM3U", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", "#EXT-X-INDEPENDENT-SEGMENTS",
                "#EXT-X-MAP:", "#EXT-X-TARGETDURATION:")) {
            if (playlist.lines().noneMatch(l -> l.strip().startsWith(tag))) {
                v.add(who + "no " + tag);
            }
        }
        Matcher version = Pattern.compile("#EXT-X-VERSION:(\\d+)").matcher(playlist);
        if (!version.find() || Integer.parseInt(version.group(1)) < 6) {
            v.add(who + "EXT-X-MAP in a media playlist needs EXT-X-VERSION 6 or more");
        }
        Matcher target = Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)").matcher(playlist);
        int targetDuration = target.find() ? Integer.parseInt(target.group(1)) : -1;
        Matcher extinf = Pattern.compile("#EXTINF:([0-9.]+)").matcher(playlist);
        int segments = 0;
        while (extinf.find()) {
            segments++;
            double d = Double.parseDouble(extinf.group(1));
            if (Math.round(d) > targetDuration) {
                v.add(who + "EXTINF " + d + " rounds above EXT-X-TARGETDURATION " + targetDuration);
            }
        }
        if (segments == 0) {
            v.add(who + "no segments");
        }
        return v;
    }

    public static void assertSatisfied(String master, Function<String, String> variantByUri, boolean sourceHasAudio,
                                       int sourceHeight) {
        List<String> v = violations(master, variantByUri, sourceHasAudio, sourceHeight);
        if (!v.isEmpty()) {
            fail("HLS authoring rules violated:\n  " + String.join("\n  ", v) + "\nmaster:\n" + master);
        }
    }
}
