package io.vidforge.media;

import java.util.Arrays;
import java.util.List;

/**
 * Relative URIs between S3 keys, as a playlist stored at one key must name another: the master at
 * {@code videos/v/g1/publish/a1-v3/master.m3u8} names {@code ../../transcode-720p/a2-v5/index.m3u8}.
 * Relative URIs keep playlists valid whoever serves them and under whatever base path.
 */
public final class RelativeKey {
    private RelativeKey() {
    }

    /** The URI of {@code toKey} relative to a document stored under {@code fromPrefix} (ending in '/'). */
    public static String between(String fromPrefix, String toKey) {
        if (!fromPrefix.endsWith("/")) {
            throw new IllegalArgumentException("a prefix ends with '/': " + fromPrefix);
        }
        List<String> from = parts(fromPrefix);
        List<String> to = parts(toKey);
        int common = 0;
        while (common < from.size() && common < to.size() - 1 && from.get(common).equals(to.get(common))) {
            common++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = common; i < from.size(); i++) {
            sb.append("../");
        }
        sb.append(String.join("/", to.subList(common, to.size())));
        return sb.toString();
    }

    /** The URI (ending in '/') of the folder {@code toPrefix} relative to a document under {@code fromPrefix}. */
    public static String toFolder(String fromPrefix, String toPrefix) {
        if (!toPrefix.endsWith("/")) {
            throw new IllegalArgumentException("a prefix ends with '/': " + toPrefix);
        }
        // A file name in that folder, less the name: between() treats the last part of its key as the file.
        String file = between(fromPrefix, toPrefix + "f");
        return file.substring(0, file.length() - 1);
    }

    private static List<String> parts(String key) {
        return Arrays.stream(key.split("/")).filter(s -> !s.isEmpty()).toList();
    }
}
