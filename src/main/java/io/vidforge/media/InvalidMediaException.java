package io.vidforge.media;

/**
 * The input is not a video this platform can process (not media, no video stream, undecodable,
 * truncated). No retry can fix it; task handlers report it as {@code INVALID_MEDIA}.
 */
public final class InvalidMediaException extends Exception {
    public static final String CODE = "INVALID_MEDIA";

    public InvalidMediaException(String message) {
        super(message);
    }
}
