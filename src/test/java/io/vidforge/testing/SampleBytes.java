package io.vidforge.testing;

import java.util.Random;

/** Deterministic pseudo-media bytes: an MP4-like header (passes the sniffer) followed by noise. */
public final class SampleBytes {
    private SampleBytes() {
    }

    public static byte[] pseudoMp4(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        byte[] header = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'};
        System.arraycopy(header, 0, b, 0, Math.min(header.length, size));
        return b;
    }
}
