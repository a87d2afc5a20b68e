package io.vidforge.upload;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Keeps a copy of the first bytes that pass through, so a tus chunk can be sniffed after its checksum
 * was verified (integrity before content) without buffering the chunk.
 */
final class HeadCapture extends FilterInputStream {
    private final byte[] head;
    private int captured;

    HeadCapture(InputStream in, int limit) {
        super(in);
        this.head = new byte[Math.max(0, limit)];
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && captured < head.length) {
            head[captured++] = (byte) b;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0 && captured < head.length) {
            int take = Math.min(n, head.length - captured);
            System.arraycopy(buf, off, head, captured, take);
            captured += take;
        }
        return n;
    }

    @Override
    public long skip(long n) {
        return 0; // every byte must pass through read, or the copy would have holes
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    byte[] head() {
        return Arrays.copyOf(head, captured);
    }
}
