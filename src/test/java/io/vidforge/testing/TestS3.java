package io.vidforge.testing;

import io.vidforge.storage.EmbeddedS3;
import io.vidforge.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One real S3 server (S3Proxy over HTTP) for the whole test JVM; every test gets its own bucket, so
 * tests never see each other's objects.
 */
public final class TestS3 {
    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret-key";
    private static EmbeddedS3 server;

    private TestS3() {
    }

    public static synchronized String endpoint() {
        if (server == null) {
            try {
                Path dir = Files.createTempDirectory("vidforge-test-s3");
                server = EmbeddedS3.start(dir, 0, ACCESS_KEY, SECRET_KEY);
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return server.endpoint();
    }

    /** S3_* settings for a new, empty bucket named after {@code name}. */
    public static Map<String, String> freshBucket(String name) {
        String b = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        b = (b.length() > 40 ? b.substring(0, 40) : b).replaceAll("-+$", "") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        return Map.of("S3_ENDPOINT", endpoint(), "S3_ACCESS_KEY", ACCESS_KEY, "S3_SECRET_KEY", SECRET_KEY,
                "S3_BUCKET", b, "S3_REGION", "us-east-1");
    }

    public static ObjectStore store(Map<String, String> s3Settings) {
        ObjectStore store = new ObjectStore(s3Settings.get("S3_ENDPOINT"), ACCESS_KEY, SECRET_KEY, "us-east-1",
                s3Settings.get("S3_BUCKET"));
        store.ensureBucket();
        return store;
    }
}
