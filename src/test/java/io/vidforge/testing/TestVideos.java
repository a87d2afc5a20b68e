package io.vidforge.testing;

import io.vidforge.Platform;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;

/** Video rows made directly in the database (uploaded, with their first PENDING job), for engine tests. */
public final class TestVideos {
    private TestVideos() {
    }

    public static String insert(Platform platform) {
        String id = sha256(UUID.randomUUID().toString());
        long now = platform.clock().millis();
        Video v = new Video(id, id, platform.ladder().profileId(), VideoStatus.UPLOADED, "test", "test.mp4",
                "video/mp4", 1000, "raw/" + id, 1, null, null, null, null, now, now);
        if (!platform.videos().insertNew(v)) {
            throw new IllegalStateException("video " + id + " exists");
        }
        return id;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
