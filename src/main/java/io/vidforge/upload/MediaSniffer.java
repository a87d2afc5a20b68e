package io.vidforge.upload;

import io.vidforge.http.ApiException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Refuses uploads that are obviously not video from their first bytes (documents, images, archives,
 * executables, plain text). Anything else is accepted and left to the probe, which fails undecodable
 * media with INVALID_MEDIA: a sniffer must never reject a real video.
 */
public final class MediaSniffer {
    public static final int PEEK_BYTES = 4096;

    private MediaSniffer() {
    }

    /**
     * The first bytes of an upload, left in the stream (mark/reset). A body that breaks off or is
     * malformed (a bad chunked encoding fails inside the HTTP layer as a runtime exception) is a 400.
     */
    public static byte[] peek(BufferedInputStream in) {
        try {
            in.mark(PEEK_BYTES);
            byte[] head = in.readNBytes(PEEK_BYTES);
            in.reset();
            return head;
        } catch (IOException | RuntimeException e) {
            throw new ApiException(400, "UPLOAD_INTERRUPTED", "The upload stream is malformed or broke off.");
        }
    }

    /** Refuses obvious non-media with 415, naming what the bytes look like. */
    public static void refuseObviousNonMedia(byte[] head) {
        obviousNonMedia(head, head.length).ifPresent(kind -> {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "The upload looks like " + kind + ", not a video. Upload a video file (MP4, MOV, MKV, WebM, …).");
        });
    }

    /** The kind of obvious non-media content, or empty when the bytes may be media. */
    public static Optional<String> obviousNonMedia(byte[] head, int len) {
        if (starts(head, len, "%PDF")) return Optional.of("a PDF document");
        if (starts(head, len, 0x89, 'P', 'N', 'G')) return Optional.of("a PNG image");
        if (starts(head, len, 0xFF, 0xD8, 0xFF)) return Optional.of("a JPEG image");
        if (starts(head, len, "GIF8")) return Optional.of("a GIF image");
        if (starts(head, len, 'P', 'K', 3, 4)) return Optional.of("a ZIP archive");
        if (starts(head, len, 0x1F, 0x8B)) return Optional.of("a gzip archive");
        if (starts(head, len, 0x7F, 'E', 'L', 'F')) return Optional.of("an executable");
        if (starts(head, len, "7z")) return Optional.of("a 7z archive");
        if (looksLikeText(head, len)) return Optional.of("text");
        return Optional.empty();
    }

    /** Media containers are binary early on; text (HTML, JSON, scripts, CSV) is printable throughout. */
    private static boolean looksLikeText(byte[] head, int len) {
        if (len == 0) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int b = head[i] & 0xFF;
            boolean printable = b == '\n' || b == '\r' || b == '\t' || (b >= 0x20 && b < 0x7F) || b >= 0x80;
            if (!printable) {
                return false;
            }
        }
        // High bytes alone (UTF-8 text) are fine; a media header would have had a control byte or NUL by now.
        return true;
    }

    private static boolean starts(byte[] head, int len, String prefix) {
        return starts(head, len, prefix.chars().toArray());
    }

    private static boolean starts(byte[] head, int len, int... prefix) {
        if (len < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((head[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
