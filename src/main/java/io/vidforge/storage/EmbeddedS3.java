package io.vidforge.storage;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * The default S3: S3Proxy with a filesystem store under {@code ./data/s3}, on loopback. It is reached
 * only over HTTP through {@link ObjectStore}, exactly as MinIO or AWS would be.
 */
public final class EmbeddedS3 implements AutoCloseable {
    private final S3Proxy proxy;

    private EmbeddedS3(S3Proxy proxy) {
        this.proxy = proxy;
    }

    public static EmbeddedS3 start(Path baseDir, int port, String accessKey, String secretKey) {
        try {
            Files.createDirectories(baseDir);
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", baseDir.toAbsolutePath().toString());
            BlobStore store = BlobStores.create("filesystem", props);
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(store)
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                    .build();
            // start() returns once the listener is bound (Jetty's start is synchronous).
            proxy.start();
            return new EmbeddedS3(proxy);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start embedded S3 in " + baseDir, e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    public int port() {
        return proxy.getPort();
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // stopping is best effort at shutdown
        }
    }
}
