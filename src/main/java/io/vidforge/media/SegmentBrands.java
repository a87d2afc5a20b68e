package io.vidforge.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Corrects the brands of a media segment's {@code styp} in place. ffmpeg's HLS muxer writes every segment's
 * {@code styp} as {@code msdh} with the compatible brands {@code msdh, msix} (hard-coded, no option changes
 * it). {@code msix} promises a segment index ({@code sidx}), which our segments deliberately do not carry
 * (some TV players reject a per-segment {@code sidx}); a strict DASH client may then look for an index that
 * is not there. Each {@code msix} becomes {@code cmfs} (a CMAF media segment, which these are: one track,
 * a moof/mdat pair per fragment, starting with an IDR). The box keeps its size, so no offset in the file
 * moves and every timestamp is untouched.
 */
public final class SegmentBrands {
    static final String INDEXED = "msix";
    static final String CMAF_SEGMENT = "cmfs";
    /** size, type, major brand, minor version: the compatible brands follow. */
    private static final int BRANDS_AT = 16;
    /** A styp this long is not ffmpeg's; leave it alone rather than read a large box header. */
    private static final int MAX_STYP = 64;

    private SegmentBrands() {
    }

    /** Rewrites {@code msix} to {@code cmfs} in the segment's leading {@code styp}; returns how many it changed. */
    public static int declareCmaf(Path segment) throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(MAX_STYP);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // read until the buffer is full or the file ends
            }
            head.flip();
            byte[] bytes = new byte[head.remaining()];
            head.get(bytes);
            int changed = rewrite(bytes);
            if (changed > 0) {
                ch.write(ByteBuffer.wrap(bytes), 0);
            }
            return changed;
        }
    }

    /** The same on the first bytes of a segment (at least its styp box); returns how many brands changed. */
    static int rewrite(byte[] head) {
        if (head.length < BRANDS_AT || !"styp".equals(type(head, 4))) {
            return 0;
        }
        int size = ByteBuffer.wrap(head).getInt(0);
        if (size < BRANDS_AT || size > Math.min(head.length, MAX_STYP) || size % 4 != 0) {
            return 0;
        }
        int changed = 0;
        byte[] cmfs = CMAF_SEGMENT.getBytes(StandardCharsets.US_ASCII);
        for (int at = BRANDS_AT; at + 4 <= size; at += 4) {
            if (INDEXED.equals(type(head, at))) {
                System.arraycopy(cmfs, 0, head, at, 4);
                changed++;
            }
        }
        return changed;
    }

    private static String type(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.US_ASCII);
    }
}
