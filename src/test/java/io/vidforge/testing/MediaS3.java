package io.vidforge.testing;

import io.vidforge.storage.EmbeddedS3;
import io.vidforge.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real S3 for media handler tests: the embedded S3Proxy on loopback with a fresh bucket. */
public final class MediaS3 implements AutoCloseable {
    private final EmbeddedS3 server;
    private final ObjectStore store;

    private MediaS3(EmbeddedS3 server, ObjectStore store) {
        this.server = server;
        this.store = store;
    }

    public static MediaS3 start(Path dir) {
        EmbeddedS3 s3 = EmbeddedS3.start(dir, 0, "k", "secretsecret");
        ObjectStore store = new ObjectStore(s3.endpoint(), "k", "secretsecret", "us-east-1", "bucket");
        store.ensureBucket();
        return new MediaS3(s3, store);
    }

    public ObjectStore store() {
        return store;
    }

    /** Copies every object under {@code prefix} to {@code target}, keeping the key as the relative path. */
    public void downloadTree(String prefix, Path target) throws IOException {
        for (String key : store.list(prefix)) {
            Path file = target.resolve(key);
            Files.createDirectories(file.getParent());
            store.download(key, file);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
