package io.vidforge.segment;

/** The outcome of one read-ahead, as logged in PREFETCH_RESULT. */
public enum PrefetchResult {
    /** Read from the origin into the cache. */
    FETCHED,
    /** Already in the cache: nothing to do. */
    ALREADY_CACHED,
    /** Another request or prefetch was already reading it. */
    IN_FLIGHT,
    /** The prefetch executor was full (or shutting down): dropped, the request path unaffected. */
    SKIPPED_OVERLOAD,
    /** The triggering segment was the variant's last: nothing to read ahead. */
    NO_NEXT_SEGMENT,
    /** The origin read failed; the segment will be read on demand. */
    FAILED
}
