package io.vidforge.model;

import java.util.List;

/** A video row. Times are epoch milliseconds; {@code playableAt} is null until the video can be played. */
public record Video(
        String videoId,
        String contentSha256,
        String profile,
        VideoStatus status,
        String title,
        String originalFilename,
        String contentType,
        long sizeBytes,
        String rawKey,
        int generation,
        SourceInfo source,
        List<Variant> variants,
        String errorCode,
        String errorMessage,
        long createdAt,
        long updatedAt,
        Long playableAt) {

    /** A video not (yet) playable: what callers that predate {@code playableAt} construct. */
    public Video(String videoId, String contentSha256, String profile, VideoStatus status, String title,
                 String originalFilename, String contentType, long sizeBytes, String rawKey, int generation,
                 SourceInfo source, List<Variant> variants, String errorCode, String errorMessage, long createdAt,
                 long updatedAt) {
        this(videoId, contentSha256, profile, status, title, originalFilename, contentType, sizeBytes, rawKey,
                generation, source, variants, errorCode, errorMessage, createdAt, updatedAt, null);
    }

    /**
     * Whether a player may start now: {@code ready}, or {@code processing} with its first chunk and audio
     * accepted ({@code playableAt} set). A failed, deleted or requeued video is not.
     */
    public boolean playable() {
        return status == VideoStatus.READY || status == VideoStatus.PROCESSING && playableAt != null;
    }

    public Variant variant(String name) {
        if (variants == null) {
            return null;
        }
        for (Variant v : variants) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return null;
    }
}
