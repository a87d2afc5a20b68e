package io.vidforge.upload;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Hashes and counts what passes through while streaming, and fails with
 * {@link TooLargeException} as soon as more than the allowed bytes arrive, so neither memory nor the
 * time to refuse grows with the upload.
 */
final class LimitedDigestStream extends FilterInputStream {
    private final long max;
    private final MessageDigest digest;
    private long count;
    private volatile boolean sourceFailed;

    LimitedDigestStream(InputStream in, long max) {
        this(in, max, "SHA-256");
    }

    /** {@code algorithm} is a MessageDigest name: SHA-256 for content ids, or a tus checksum's. */
    LimitedDigestStream(InputStream in, long max, String algorithm) {
        super(in);
        this.max = max;
        try {
            this.digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class TooLargeException extends IOException {
        TooLargeException(long max) {
            super("upload exceeds the maximum of " + max + " bytes");
        }
    }

    @Override
    public int read() throws IOException {
        int b = source(() -> super.read());
        if (b >= 0) {
            account(1);
            digest.update((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = source(() -> super.read(buf, off, len));
        if (n > 0) {
            account(n);
            digest.update(buf, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) {
        // Skipping would leave bytes out of the hash; the uploader never skips.
        return 0;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private interface Read {
        int run() throws IOException;
    }

    /** Remembers when the client's stream failed, to tell a broken upload from an S3 outage. */
    private int source(Read r) throws IOException {
        try {
            return r.run();
        } catch (IOException | RuntimeException e) {
            sourceFailed = true;
            throw e;
        }
    }

    boolean sourceFailed() {
        return sourceFailed;
    }

    private void account(int n) throws TooLargeException {
        count += n;
        if (count > max) {
            throw new TooLargeException(max);
        }
    }

    long count() {
        return count;
    }

    /** The digest of everything read; call once, at the end. */
    byte[] digest() {
        return digest.digest();
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest());
    }
}
