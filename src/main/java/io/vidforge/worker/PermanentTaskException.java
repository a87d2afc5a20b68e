package io.vidforge.worker;

/** A failure no retry can fix (for example INVALID_MEDIA): the video fails at once. */
public final class PermanentTaskException extends Exception {
    private final String code;

    public PermanentTaskException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
