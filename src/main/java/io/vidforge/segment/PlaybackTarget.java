package io.vidforge.segment;

import io.vidforge.model.Variant;
import io.vidforge.model.Video;

/** One file of one variant, as played in one session: what a SERVE or a prefetch is about. */
public record PlaybackTarget(String sessionId, Video video, Variant variant, PlaybackFile file) {
    /** The S3 key, and the cache key: the published, attempt-scoped prefix plus a validated file name. */
    public String key() {
        return variant.prefix() + file.name();
    }

    public PlaybackTarget withFile(PlaybackFile other) {
        return new PlaybackTarget(sessionId, video, variant, other);
    }
}
