package io.vidforge.media;

import io.vidforge.model.Variant;
import java.nio.file.Path;
import java.util.List;

/**
 * One rung encoded and packaged on local disk. {@code variant} is measured but has no prefix yet: that
 * is the S3 location the uploader chooses. {@code mediaFiles} (init then segments) must be uploaded
 * before {@code playlist}, so a stored playlist never names a segment that is not there yet.
 */
public record EncodedRung(Path dir, Variant variant, List<Path> mediaFiles, Path playlist) {
    public EncodedRung {
        mediaFiles = List.copyOf(mediaFiles);
    }
}
