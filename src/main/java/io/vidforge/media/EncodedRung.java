package io.vidforge.media;

import io.vidforge.model.Variant;
import java.nio.file.Path;
import java.util.List;

/**
 * One rung (or the audio rendition) encoded and packaged on local disk. {@code variant} is measured but has no prefix yet: that
 * is the S3 location the uploader chooses ({@link #storedAt}). {@code mediaFiles} (init then segments)
 * must be uploaded before {@code playlist}, so a stored playlist never names a segment that is not there yet.
 */
public record EncodedRung(Path dir, Variant variant, List<Path> mediaFiles, Path playlist) {
    public EncodedRung {
        mediaFiles = List.copyOf(mediaFiles);
    }

    /** The measured variant as published from {@code prefix} (ending in '/'), where its files were uploaded. */
    public Variant storedAt(String prefix) {
        return variant.at(prefix);
    }
}
