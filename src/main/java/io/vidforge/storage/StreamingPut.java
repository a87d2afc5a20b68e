package io.vidforge.storage;

import com.google.common.collect.ImmutableMultimap;
import com.google.common.collect.Multimap;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.UploadPartResponse;
import io.minio.messages.Part;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts a stream of unknown length, reading it on the caller's thread and handing the client whole parts
 * from memory. Why not MinIO's own {@code putObject(stream, -1, partSize)}: MinIO 8.6 reads the stream
 * inside {@code CompletableFuture.supplyAsync} on the common ForkJoinPool, which has one thread on a
 * 2-core machine, so one slow upload client stalled every other upload and S3 call of the node that goes
 * through that pool (found by UploadConcurrencyLimitTest with two uploads in progress). Two part buffers:
 * part k goes to S3 while part k+1 is read from the client. A failure aborts the multipart upload, so
 * nothing becomes visible under the key.
 */
final class StreamingPut {
    private static final Logger LOG = Logger.getLogger(StreamingPut.class.getName());
    private static final Multimap<String, String> NONE = ImmutableMultimap.of();

    private final MinioAsyncClient client;
    private final String bucket;

    StreamingPut(MinioAsyncClient client, String bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /** @return the object's ETag */
    String put(String key, InputStream in, String contentType, long partSize) throws Exception {
        int size = Math.toIntExact(partSize);
        byte[] current = new byte[size];
        int length = in.readNBytes(current, 0, size);
        if (length < size) {
            // Fits in one part: one plain PUT (the client reads it from memory, never blocking its pool).
            return client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new ByteArrayInputStream(current, 0, length), length, -1)
                    .contentType(contentType).build()).get().etag();
        }
        String uploadId = client.createMultipartUploadAsync(bucket, null, key,
                ImmutableMultimap.of("Content-Type", contentType), NONE).get().result().uploadId();
        try {
            List<Part> parts = new ArrayList<>();
            byte[] spare = new byte[size];
            for (int number = 1; length > 0; number++) {
                CompletableFuture<UploadPartResponse> sending =
                        client.uploadPartAsync(bucket, null, key, current, length, uploadId, number, NONE, NONE);
                int nextLength;
                try {
                    nextLength = in.readNBytes(spare, 0, size);
                } catch (Exception e) {
                    sending.cancel(true);
                    throw e;
                }
                parts.add(new Part(number, sending.get().etag()));
                byte[] sent = current;
                current = spare;
                spare = sent;
                length = nextLength;
            }
            return client.completeMultipartUploadAsync(bucket, null, key, uploadId, parts.toArray(Part[]::new),
                    NONE, NONE).get().etag();
        } catch (Exception e) {
            abort(key, uploadId);
            throw e;
        }
    }

    private void abort(String key, String uploadId) {
        try {
            client.abortMultipartUploadAsync(bucket, null, key, uploadId, NONE, NONE).get();
        } catch (Exception e) {
            // S3 lifecycle rules or the store's own expiry remove abandoned parts; they are never visible.
            LOG.log(Level.WARNING, "could not abort multipart upload of " + key + ": " + e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
