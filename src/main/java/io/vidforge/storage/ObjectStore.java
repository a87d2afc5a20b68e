package io.vidforge.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * Every object the platform keeps, through the MinIO client over HTTP: the embedded S3 server, MinIO
 * and AWS are used exactly alike. Failures surface as {@link StorageException}.
 */
public final class ObjectStore {
    private final MinioClient client;
    private final StreamingPut streamingPut;
    private final String bucket;
    private final String endpoint;

    public ObjectStore(String endpoint, String accessKey, String secretKey, String region, String bucket) {
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(60, TimeUnit.SECONDS)
                .writeTimeout(60, TimeUnit.SECONDS)
                .retryOnConnectionFailure(true)
                .build();
        this.client = MinioClient.builder()
                .endpoint(endpoint)
                .credentials(accessKey, secretKey)
                .region(region)
                .httpClient(http)
                .build();
        this.streamingPut = new StreamingPut(io.minio.MinioAsyncClient.builder()
                .endpoint(endpoint)
                .credentials(accessKey, secretKey)
                .region(region)
                .httpClient(http)
                .build(), bucket);
        this.bucket = bucket;
        this.endpoint = endpoint;
    }

    public String endpoint() {
        return endpoint;
    }

    public String bucket() {
        return bucket;
    }

    /** Creates the bucket when it does not exist yet. */
    public void ensureBucket() {
        call("ensure bucket " + bucket, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    String code = e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    /** True when the bucket answers; used by health checks. */
    public boolean reachable() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Streams data of unknown length as a multipart upload, holding two parts in memory (one being sent,
     * one being read). The stream is read on the calling thread ({@link StreamingPut} says why). If the
     * stream fails, nothing becomes visible under {@code key}.
     */
    public String putStream(String key, InputStream in, String contentType, long partSize) {
        return call("put " + key, () -> streamingPut.put(key, in, contentType, partSize));
    }

    public void putBytes(String key, byte[] data, String contentType) {
        call("put " + key, () -> client.putObject(PutObjectArgs.builder()
                .bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1)
                .contentType(contentType).build()));
    }

    public void putFile(String key, Path file, String contentType) {
        call("upload " + key, () -> client.uploadObject(UploadObjectArgs.builder()
                .bucket(bucket).object(key).filename(file.toString())
                .contentType(contentType).build()));
    }

    /** Copies an object to another key within the bucket, on the server (no bytes through this node). */
    public void copy(String fromKey, String toKey) {
        call("copy " + fromKey + " to " + toKey, () -> client.copyObject(io.minio.CopyObjectArgs.builder()
                .bucket(bucket).object(toKey)
                .source(io.minio.CopySource.builder().bucket(bucket).object(fromKey).build()).build()));
    }

    /** The whole object; the caller closes the stream. */
    public InputStream get(String key) {
        return call("get " + key, () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    /** {@code length} bytes from {@code offset}; the caller closes the stream. */
    public InputStream getRange(String key, long offset, long length) {
        return call("get " + key, () -> client.getObject(GetObjectArgs.builder()
                .bucket(bucket).object(key).offset(offset).length(length).build()));
    }

    public byte[] getBytes(String key) {
        return call("get " + key, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                return in.readAllBytes();
            }
        });
    }

    public void download(String key, Path target) {
        call("download " + key, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return null;
        });
    }

    /** Size of the object, or empty when there is none. */
    public Optional<Long> size(String key) {
        try {
            StatObjectResponse s = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(s.size());
        } catch (ErrorResponseException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw new StorageException("stat " + key + ": " + e.getMessage(), e, false);
        } catch (Exception e) {
            throw new StorageException("stat " + key + ": " + e.getMessage(), e, false);
        }
    }

    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** Deletes one object; deleting a missing object is not an error. */
    public void delete(String key) {
        call("delete " + key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    /** Keys under a prefix, recursively. */
    public List<String> list(String prefix) {
        return call("list " + prefix, () -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket).prefix(prefix).recursive(true).build())) {
                keys.add(r.get().objectName());
            }
            return keys;
        });
    }

    /** One listed object: key, size and when it was written (epoch milliseconds). */
    public record StoredObject(String key, long size, long modifiedAt) {
    }

    /**
     * Every object under {@code prefix}, in key order, one listing page (1,000 keys) at a time, so a large
     * bucket is walked without holding it in memory.
     */
    public void forEachObject(String prefix, java.util.function.Consumer<StoredObject> each) {
        call("list " + prefix, () -> {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item it = r.get();
                if (!it.isDir()) {
                    long modified = it.lastModified() == null ? 0 : it.lastModified().toInstant().toEpochMilli();
                    each.accept(new StoredObject(it.objectName(), it.size(), modified));
                }
            }
            return null;
        });
    }

    /** Whether any object's key starts with {@code prefix} (reads one listing page at most). */
    public boolean hasObjects(String prefix) {
        return call("list " + prefix, () -> {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket).prefix(prefix).recursive(true).maxKeys(1).build())) {
                if (!r.get().isDir()) {
                    return true;
                }
            }
            return false;
        });
    }

    public void deletePrefix(String prefix) {
        for (String key : list(prefix)) {
            delete(key);
        }
    }

    private static boolean isNotFound(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)
                || e.response() != null && e.response().code() == 404;
    }

    private interface S3Call<T> {
        T run() throws Exception;
    }

    private static <T> T call(String what, S3Call<T> c) {
        try {
            return c.run();
        } catch (StorageException e) {
            throw e;
        } catch (ErrorResponseException e) {
            throw new StorageException(what + ": " + e.errorResponse().code() + " " + e.getMessage(), e, isNotFound(e));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new StorageException(what + ": " + e, e, false);
        }
    }
}
