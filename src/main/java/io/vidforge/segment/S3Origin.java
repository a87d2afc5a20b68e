package io.vidforge.segment;

import io.vidforge.storage.ObjectStore;

/** The production origin: whole objects from the platform's bucket. */
public final class S3Origin implements Origin {
    private final ObjectStore store;

    public S3Origin(ObjectStore store) {
        this.store = store;
    }

    @Override
    public byte[] read(String key) {
        return store.getBytes(key);
    }
}
