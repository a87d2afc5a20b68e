package io.vidforge.http;

/** A request the platform refuses, with the contract's status and error code. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private int retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Asks the client to wait this long before retrying (a {@code Retry-After} header); for 503s. */
    public ApiException retryAfter(int seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** 0 when the answer carries no Retry-After. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NOT_FOUND", message);
    }
}
