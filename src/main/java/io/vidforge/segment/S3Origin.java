package io.vidforge.segment;

import io.minio.GetObjectResponse;
import io.vidforge.storage.ObjectStore;
import io.vidforge.storage.StorageException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** The production origin: whole objects from the platform's bucket. */
public final class S3Origin implements Origin {
    private static final int READ_CHUNK = 128 * 1024;

    private final ObjectStore store;

    public S3Origin(ObjectStore store) {
        this.store = store;
    }

    @Override
    public byte[] read(String key) {
        return store.getBytes(key);
    }

    /** Reads straight into the array the cache will keep, publishing progress after every chunk. */
    @Override
    public byte[] read(String key, ProgressiveRead progress) {
        try (InputStream in = store.get(key)) {
            long length = contentLength(in);
            if (length < 0 || length > Integer.MAX_VALUE - 64) {
                return in.readAllBytes();
            }
            byte[] bytes = new byte[(int) length];
            progress.begin(bytes);
            int off = 0;
            while (off < bytes.length) {
                int n = in.read(bytes, off, Math.min(READ_CHUNK, bytes.length - off));
                if (n < 0) {
                    throw new EOFException("object ended after " + off + " of " + bytes.length + " bytes");
                }
                off += n;
                progress.advance(off);
            }
            return bytes;
        } catch (IOException e) {
            throw new StorageException("get " + key + ": " + e, e, false);
        }
    }

    private static long contentLength(InputStream in) {
        if (in instanceof GetObjectResponse r) {
            String v = r.headers().get("Content-Length");
            try {
                return v == null ? -1 : Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
