package io.vidforge.segment;

/**
 * Where cache misses are read from: S3 in production. It is an interface so tests can wrap the real
 * origin to count reads or delay them, and so the cache never depends on how objects are fetched.
 */
@FunctionalInterface
public interface Origin {
    /**
     * The whole object. Throws {@link io.vidforge.storage.StorageException} (with {@code notFound()} set
     * when there is no such object) on failure.
     */
    byte[] read(String key);

    /**
     * The whole object, published to {@code progress} as it arrives so a request can send it on while it
     * is still being read (see {@link ProgressiveRead}). The default reads it whole and publishes nothing:
     * the request then waits for the read, as with {@link #read(String)}.
     */
    default byte[] read(String key, ProgressiveRead progress) {
        return read(key);
    }
}
