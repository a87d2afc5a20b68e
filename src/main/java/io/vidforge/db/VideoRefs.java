package io.vidforge.db;

import io.vidforge.model.Variant;
import io.vidforge.model.VideoStatus;
import java.util.List;

/**
 * The objects one video row refers to: its raw object and, once published, its master playlist folder,
 * each variant's folder and its poster. While a generation is being processed, everything under
 * {@code videos/{id}/g{generation}/} may still be published and counts as referenced too.
 */
public record VideoRefs(String videoId, VideoStatus status, int generation, String rawKey, List<Variant> variants,
                        String publishedPrefix, String posterKey, long updatedAt) {

    /** The folder of one generation's outputs (the workers' attempt prefixes all start with it). */
    public static String generationRoot(String videoId, int generation) {
        return "videos/" + videoId + "/g" + generation + "/";
    }

    public boolean processing() {
        return status == VideoStatus.UPLOADED || status == VideoStatus.PROCESSING;
    }
}
