package io.vidforge.upload;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Content addressing. The raw object is keyed by the content's SHA-256 alone; the {@code video_id} is
 * SHA-256 of the content hash and the processing profile, so the same bytes under the same profile
 * always give the same id, whatever the filename or title.
 */
public final class ContentId {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private ContentId() {
    }

    public static String videoId(String contentSha256, String profileId) {
        return Hashing.sha256().hashString(contentSha256 + "|" + profileId, StandardCharsets.UTF_8).toString();
    }

    public static String rawKey(String contentSha256) {
        return "raw/" + contentSha256;
    }

    public static boolean isValidId(String id) {
        return id != null && HEX64.matcher(id).matches();
    }
}
