package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cache's chunked objects: layout, and every range read or written byte for byte. */
class CachedBytesTest {
    private static final int HEAD = CachedBytes.HEAD_BYTES;
    private static final int CHUNK = CachedBytes.CHUNK_BYTES;

    /** Records each write's offset and length, and the bytes. */
    private static final class RecordingStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<int[]> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            throw new AssertionError("single-byte writes are not expected");
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(new int[] {off, len, b.length});
            bytes.write(b, off, len);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void small_objects_are_one_chunk_and_large_ones_a_head_then_fixed_chunks() {
        assertEquals(1, CachedBytes.copyOf(new byte[0]).chunkCount());
        assertEquals(1, CachedBytes.copyOf(random(CachedBytes.SINGLE_CHUNK_BYTES)).chunkCount());
        assertEquals(2, CachedBytes.copyOf(random(CachedBytes.SINGLE_CHUNK_BYTES + 1)).chunkCount());
        assertEquals(2, CachedBytes.copyOf(random(HEAD + CHUNK)).chunkCount());
        assertEquals(3, CachedBytes.copyOf(random(HEAD + CHUNK + 1)).chunkCount());
        byte[] src = random(1_500_000);
        CachedBytes c = CachedBytes.copyOf(src);
        assertEquals(1_500_000, c.length());
        assertEquals(1 + (1_500_000 - HEAD + CHUNK - 1) / CHUNK, c.chunkCount());
        assertArrayEquals(src, c.toArray());
        src[0]++;
        assertEquals((byte) (src[0] - 1), c.toArray()[0], "the cache holds a copy, not the caller's array");
    }

    @Test
    void every_range_across_chunk_boundaries_reads_and_writes_the_right_bytes() throws Exception {
        byte[] src = random(HEAD + 2 * CHUNK + 1234);
        CachedBytes c = CachedBytes.copyOf(src);
        int[] edges = {0, 1, HEAD - 1, HEAD, HEAD + 1, HEAD + CHUNK - 1, HEAD + CHUNK, HEAD + CHUNK + 1,
                HEAD + 2 * CHUNK, src.length - 1, src.length};
        for (int from : edges) {
            for (int to : edges) {
                if (to < from) {
                    continue;
                }
                byte[] want = Arrays.copyOfRange(src, from, to);
                assertArrayEquals(want, c.copyRange(from, to - from), "copyRange " + from + ".." + to);
                RecordingStream out = new RecordingStream();
                c.writeTo(out, from, to - from);
                assertArrayEquals(want, out.bytes.toByteArray(), "writeTo " + from + ".." + to);
                for (int[] w : out.writes) {
                    assertEquals(0, w[0], "every write starts at index 0 of its array (" + from + ".." + to + ")");
                }
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> c.copyRange(1, src.length));
        assertThrows(IndexOutOfBoundsException.class, () -> c.writeTo(new RecordingStream(), -1, 2));
    }

    @Test
    void a_whole_large_object_is_written_chunk_by_chunk_from_the_chunks_themselves() throws Exception {
        byte[] src = random(HEAD + 3 * CHUNK + 99);
        CachedBytes c = CachedBytes.copyOf(src);
        RecordingStream out = new RecordingStream();
        c.writeTo(out, 0, src.length);
        assertArrayEquals(src, out.bytes.toByteArray());
        assertEquals(c.chunkCount(), out.writes.size(), "one write per chunk");
        assertEquals(HEAD, out.writes.get(0)[1], "the head goes first, with the response headers");
        for (int[] w : out.writes) {
            assertEquals(w[2], w[1], "each write is a whole array: no copy was made for it");
        }
        assertTrue(c.heapBytes() >= src.length);
    }
}
