package io.vidforge.segment;

/** How a cache lookup was answered. */
public enum CacheOutcome {
    /** Already in memory: no wait. */
    HIT,
    /** This caller read the object from the origin. */
    LOADED,
    /** Another caller (a request or a prefetch) was already reading it; this one waited for that read. */
    JOINED;

    /** {@code X-Cache} and the event log's {@code cache}: only an answer from memory is a hit. */
    public String cacheHeader() {
        return this == HIT ? "HIT" : "MISS";
    }
}
