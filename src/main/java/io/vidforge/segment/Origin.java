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
}
