package io.vidforge.segment;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * One immutable playback object as the cache holds it: in chunks that each fill their own array from
 * index 0, so a response can hand every chunk to the socket as it is. Objects up to
 * {@link #SINGLE_CHUNK_BYTES} are one chunk; larger ones are a small head (it travels with the response
 * headers, which Helidon copies into one buffer) followed by {@link #CHUNK_BYTES} chunks.
 *
 * <p>Why chunks, not one array: the node writes through blocking sockets (see {@code Node}), where
 * Helidon 4.4.0 mis-writes any array range that does not start at index 0 ({@link ResponseOutput}), and
 * where the JDK copies the whole range of each write into a temporary direct buffer, again for what is
 * left after a partial write. Chunks that start at 0 are written with no copy of ours, in writes of a
 * bounded size (docs/performance.md).
 */
public final class CachedBytes {
    /** Objects up to this size are one chunk and are sent in one piece with the headers. */
    static final int SINGLE_CHUNK_BYTES = 64 * 1024;
    /** The first chunk of a larger object: what the first write (the one carrying the headers) sends. */
    static final int HEAD_BYTES = 8 * 1024;
    static final int CHUNK_BYTES = 256 * 1024;
    private static final int ARRAY_HEADER = 16;

    private final byte[][] chunks;
    private final int length;

    private CachedBytes(byte[][] chunks, int length) {
        this.chunks = chunks;
        this.length = length;
    }

    /** Chunks a copy of {@code bytes} (the caller may reuse or drop its array). */
    public static CachedBytes copyOf(byte[] bytes) {
        int length = bytes.length;
        if (length <= SINGLE_CHUNK_BYTES) {
            return new CachedBytes(new byte[][] {bytes.clone()}, length);
        }
        int n = 1 + (length - HEAD_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;
        byte[][] chunks = new byte[n][];
        chunks[0] = Arrays.copyOf(bytes, HEAD_BYTES);
        int from = HEAD_BYTES;
        for (int i = 1; i < n; i++) {
            int to = Math.min(length, from + CHUNK_BYTES);
            chunks[i] = Arrays.copyOfRange(bytes, from, to);
            from = to;
        }
        return new CachedBytes(chunks, length);
    }

    public int length() {
        return length;
    }

    /** Bytes of heap this object holds: its bytes plus an array header per chunk. */
    long heapBytes() {
        return (long) length + (long) chunks.length * ARRAY_HEADER;
    }

    int chunkCount() {
        return chunks.length;
    }

    /** A fresh array with every byte (for small objects and tests; responses use {@link #writeTo}). */
    public byte[] toArray() {
        return copyRange(0, length);
    }

    /** A fresh array with bytes {@code [offset, offset + count)}. */
    public byte[] copyRange(int offset, int count) {
        Objects.checkFromIndexSize(offset, count, length);
        byte[] out = new byte[count];
        int copied = 0;
        int chunkStart = 0;
        for (byte[] c : chunks) {
            int chunkEnd = chunkStart + c.length;
            int from = Math.max(offset + copied, chunkStart);
            if (copied < count && from < chunkEnd) {
                int n = Math.min(chunkEnd, offset + count) - from;
                System.arraycopy(c, from - chunkStart, out, copied, n);
                copied += n;
            }
            chunkStart = chunkEnd;
        }
        return out;
    }

    /**
     * Writes bytes {@code [offset, offset + count)} to {@code out}: chunks inside the range whole, from
     * their own arrays; a chunk the range cuts is written as a copy of its part (at most two per call).
     */
    public void writeTo(OutputStream out, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, length);
        int end = offset + count;
        int chunkStart = 0;
        for (byte[] c : chunks) {
            int chunkEnd = chunkStart + c.length;
            int from = Math.max(offset, chunkStart);
            int to = Math.min(end, chunkEnd);
            if (from < to) {
                if (from == chunkStart && to == chunkEnd) {
                    out.write(c, 0, c.length);
                } else {
                    out.write(Arrays.copyOfRange(c, from - chunkStart, to - chunkStart));
                }
            }
            if (chunkEnd >= end) {
                return;
            }
            chunkStart = chunkEnd;
        }
    }
}
