package io.vidforge.segment;

import io.vidforge.http.ApiException;
import io.vidforge.media.Storyboard;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and validates the parts of playback URLs. Every part is checked against a strict pattern before
 * it is used, and S3 keys are only ever built from a published variant's prefix plus a file name that
 * matched {@link #FILE}: no request path can reach any other object.
 */
public final class PlaybackPaths {
    private static final Pattern VIDEO_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern VARIANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern FILE = Pattern.compile("index\\.m3u8|init\\.mp4|seg_(\\d{5})\\.m4s");
    private static final Pattern SESSION_PATH =
            Pattern.compile("/s/([^/]+)/([^/]+)/([^/]+)/([^/]+)");

    private PlaybackPaths() {
    }

    /** A file of a variant as addressed by a session URL. */
    public record FileRef(String sessionId, String videoId, String variant, PlaybackFile file) {
    }

    public static String videoId(String s) {
        if (s == null || !VIDEO_ID.matcher(s).matches()) {
            throw ApiException.badRequest("INVALID_VIDEO_ID", "A video_id is 64 lowercase hex characters.");
        }
        return s;
    }

    public static String variantName(String s) {
        if (s == null || !VARIANT.matcher(s).matches()) {
            throw ApiException.badRequest("INVALID_VARIANT", "A variant name is 1-64 of [A-Za-z0-9_-], e.g. 720p.");
        }
        return s;
    }

    public static PlaybackFile file(String s) {
        return parseFile(s).orElseThrow(() -> ApiException.badRequest("INVALID_FILE_NAME",
                "A variant file is index.m3u8, init.mp4 or seg_NNNNN.m4s."));
    }

    public static Optional<PlaybackFile> parseFile(String s) {
        if (s == null) {
            return Optional.empty();
        }
        Matcher m = FILE.matcher(s);
        if (!m.matches()) {
            return Optional.empty();
        }
        if (m.group(1) != null) {
            return Optional.of(PlaybackFile.segment(Integer.parseInt(m.group(1))));
        }
        return Optional.of(s.equals("init.mp4") ? PlaybackFile.INIT : PlaybackFile.PLAYLIST);
    }

    /** Parses a decoded absolute path {@code /s/{session}/{id}/{variant}/{file}}; empty when it is not one. */
    public static Optional<FileRef> parseFilePath(String path) {
        Matcher m = SESSION_PATH.matcher(path);
        if (!m.matches() || !SessionIds.isValid(m.group(1)) || !VIDEO_ID.matcher(m.group(2)).matches()
                || !VARIANT.matcher(m.group(3)).matches()) {
            return Optional.empty();
        }
        return parseFile(m.group(4)).map(f -> new FileRef(m.group(1), m.group(2), m.group(3), f));
    }

    /** The absolute URI of a variant's folder in a session, as the DASH manifest's BaseURL. */
    public static String variantFolder(String sessionId, String videoId, String variant) {
        return "/s/" + sessionId + "/" + videoId + "/" + variant + "/";
    }

    /** The absolute URI of a session's storyboard sprite, as written into its storyboard VTT. */
    public static String storyboardSprite(String sessionId, String videoId) {
        return "/s/" + sessionId + "/" + videoId + "/" + Storyboard.SPRITE;
    }

    /** The absolute URI of a variant playlist in a session, as written into the master playlist. */
    public static String variantPlaylist(String sessionId, String videoId, String variant) {
        return "/s/" + sessionId + "/" + videoId + "/" + variant + "/index.m3u8";
    }
}
