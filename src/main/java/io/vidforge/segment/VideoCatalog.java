package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.vidforge.db.VideoRepository;
import io.vidforge.http.ApiException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.time.Duration;

/**
 * Video metadata for playback, with a short-lived in-memory copy of ready videos so a playing session
 * costs no database query per segment. A ready video changes only when a forced reprocess publishes a
 * new ladder; a node may keep serving the old one (whose objects stay in S3) for up to the TTL. Videos
 * that are not ready are not cached, so playback starts the moment the video is published.
 */
public final class VideoCatalog {
    private static final int MAX_VIDEOS = 10_000;

    private final VideoRepository videos;
    private final Cache<String, Video> ready;

    public VideoCatalog(VideoRepository videos, Duration ttl) {
        this.videos = videos;
        this.ready = CacheBuilder.newBuilder().expireAfterWrite(ttl).maximumSize(MAX_VIDEOS).build();
    }

    /** The ready video; 404 when there is none, 409 VIDEO_NOT_READY while it is being processed. */
    public Video ready(String videoId) {
        Video cached = ready.getIfPresent(videoId);
        if (cached != null) {
            return cached;
        }
        Video v = videos.find(videoId)
                .orElseThrow(() -> ApiException.notFound("There is no video " + videoId + "."));
        if (v.status() != VideoStatus.READY || v.variants() == null || v.variants().isEmpty()) {
            throw new ApiException(409, "VIDEO_NOT_READY", "The video is " + v.status().id()
                    + "; it can be played once it is ready (GET /videos/" + videoId + " shows its progress).");
        }
        ready.put(videoId, v);
        return v;
    }
}
