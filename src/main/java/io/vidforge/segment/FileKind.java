package io.vidforge.segment;

import java.util.Locale;

/**
 * What a playback request asks for, with the HTTP semantics that follow from it. Segments and init
 * segments live under an attempt-scoped prefix and never change, so caches may keep them for a year;
 * a variant playlist changes only when a forced reprocess publishes a new prefix, so it is kept briefly;
 * the master, the DASH manifest and the storyboard VTT name the session, so no shared cache may keep them
 * at all.
 */
public enum FileKind {
    MASTER("application/vnd.apple.mpegurl", "no-store"),
    /** The DASH manifest, rendered per session like the master. */
    MPD("application/dash+xml", "no-store"),
    PLAYLIST("application/vnd.apple.mpegurl", "public, max-age=5"),
    /** The growing EVENT playlist of a video playable before it is ready: reloaded every few seconds. */
    EVENT_PLAYLIST("application/vnd.apple.mpegurl", "no-cache"),
    INIT("video/mp4", "public, max-age=31536000, immutable"),
    SEGMENT("video/iso.segment", "public, max-age=31536000, immutable"),
    /** The seek-preview WebVTT, rendered per session (its cues name the session's sprite URL). */
    STORYBOARD("text/vtt; charset=utf-8", "no-store"),
    /** The storyboard's JPEG sprite, written once under the probe attempt's prefix. */
    STORYBOARD_SPRITE("image/jpeg", "public, max-age=31536000, immutable");

    private final String contentType;
    private final String cacheControl;

    FileKind(String contentType, String cacheControl) {
        this.contentType = contentType;
        this.cacheControl = cacheControl;
    }

    public String contentType() {
        return contentType;
    }

    public String cacheControl() {
        return cacheControl;
    }

    /** The event log's {@code kind} value. */
    public String logName() {
        return this == EVENT_PLAYLIST ? PLAYLIST.logName() : name().toLowerCase(Locale.ROOT);
    }
}
