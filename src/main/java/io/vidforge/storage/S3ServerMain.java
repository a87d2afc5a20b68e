package io.vidforge.storage;

import io.vidforge.config.Settings;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded S3 server as a process of its own, for cluster mode: every node then reaches one S3
 * over HTTP, as it would reach MinIO or AWS. {@code java -cp vidforge.jar io.vidforge.storage.S3ServerMain}
 * with {@code EMBEDDED_S3_PORT} ({@link Settings#embeddedS3Port()}: one default for both embedded servers; run.sh
 * passes the cluster's S3_PORT), {@code DATA_DIR}, {@code S3_ACCESS_KEY}, {@code S3_SECRET_KEY}. It prints the
 * endpoint it listens on.
 */
public final class S3ServerMain {
    private S3ServerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Settings s = Settings.fromEnvironment();
        int port = s.embeddedS3Port();
        EmbeddedS3 server = EmbeddedS3.start(s.dataDir().resolve("s3"), port, s.s3AccessKey(), s.s3SecretKey());
        ObjectStore store = new ObjectStore(server.endpoint(), s.s3AccessKey(), s.s3SecretKey(), s.s3Region(),
                s.s3Bucket());
        store.ensureBucket();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "s3-shutdown"));
        System.out.println("VidForge S3 server listening on " + server.endpoint() + " (bucket " + s.s3Bucket()
                + ", data " + s.dataDir().resolve("s3") + ")");
        stopped.await();
    }
}
