package io.vidforge.segment;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The CMCD (CTA-5004) {@code nor} key: the next object the player will request, as a URL-encoded path
 * relative to the current request. It comes either as the query parameter {@code CMCD} (hls.js's
 * default) or in the {@code CMCD-Request} header. Only {@code nor} is read; a malformed hint is ignored,
 * never an error, so a player with odd CMCD still plays.
 */
public final class CmcdHint {
    private CmcdHint() {
    }

    /** The {@code nor} value (unquoted, still URL-encoded) from the query value or the header. */
    public static Optional<String> nextObject(String queryValue, String requestHeader) {
        Optional<String> q = nor(queryValue);
        return q.isPresent() ? q : nor(requestHeader);
    }

    /**
     * Resolves a {@code nor} value against the request's path and parses the result as a session file;
     * empty when it does not name a file of a session.
     */
    public static Optional<PlaybackPaths.FileRef> resolve(String requestPath, String nor) {
        try {
            // Players encode nor with encodeURIComponent (common-media-library), slashes included: decode
            // it to the relative path first. Decoding a plain path changes nothing.
            String relative = URLDecoder.decode(nor, StandardCharsets.UTF_8);
            URI target = URI.create(requestPath).resolve(new URI(null, null, relative, null)).normalize();
            if (target.getPath() == null) {
                return Optional.empty();
            }
            return PlaybackPaths.parseFilePath(target.getPath());
        } catch (IllegalArgumentException | URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Finds {@code nor} in a CMCD payload: comma-separated {@code key=value} pairs, strings quoted. */
    static Optional<String> nor(String payload) {
        if (payload == null || payload.isBlank()) {
            return Optional.empty();
        }
        int i = 0;
        int n = payload.length();
        while (i < n) {
            int keyStart = i;
            while (i < n && payload.charAt(i) != '=' && payload.charAt(i) != ',') {
                i++;
            }
            String key = payload.substring(keyStart, i).trim();
            String value = null;
            if (i < n && payload.charAt(i) == '=') {
                i++;
                if (i < n && payload.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    while (i < n && payload.charAt(i) != '"') {
                        // Structured-field strings escape '"' and '\' with a backslash.
                        if (payload.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        sb.append(payload.charAt(i++));
                    }
                    i++;
                    value = sb.toString();
                } else {
                    int valueStart = i;
                    while (i < n && payload.charAt(i) != ',') {
                        i++;
                    }
                    value = payload.substring(valueStart, i).trim();
                }
            }
            while (i < n && payload.charAt(i) != ',') {
                i++;
            }
            i++;
            if (key.equals("nor") && value != null && !value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
