package io.vidforge.storage;

/** S3 failed or was unreachable; {@link #notFound()} tells a missing object from an outage. */
public final class StorageException extends RuntimeException {
    private final boolean notFound;

    public StorageException(String message, Throwable cause, boolean notFound) {
        super(message, cause);
        this.notFound = notFound;
    }

    public boolean notFound() {
        return notFound;
    }
}
