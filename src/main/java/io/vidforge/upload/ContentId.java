package io.vidforge.upload;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Content addressing. The {@code video_id} is SHA-256 of the content hash and the processing profile,
 * so the same bytes under the same profile always give the same id, whatever the filename or title.
 * The raw object keeps the key it was uploaded under ({@link #newRawKey()}); the database records it
 * per video and finds it again by content hash, so the same bytes are stored once.
 */
public final class ContentId {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private ContentId() {
    }

    public static String videoId(String contentSha256, String profileId) {
        return Hashing.sha256().hashString(contentSha256 + "|" + profileId, StandardCharsets.UTF_8).toString();
    }

    /**
     * A fresh key for an upload's object. The content hash is known only once the last byte has
     * arrived, and S3 cannot rename, so the object stays where it was written instead of being copied
     * to a hash-named key (a copy costs a fifth of the upload's time and S3 copies at most 5 GB in one
     * request).
     */
    public static String newRawKey() {
        return "raw/" + UUID.randomUUID();
    }

    public static boolean isValidId(String id) {
        return id != null && HEX64.matcher(id).matches();
    }
}
