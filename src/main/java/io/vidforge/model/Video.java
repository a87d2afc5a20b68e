package io.vidforge.model;

import java.util.List;

/** A video row. Times are epoch milliseconds. */
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
        long updatedAt) {

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
