package io.vidforge.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Moves the decode times of an fMP4 media segment: every {@code tfdt} (baseMediaDecodeTime of a track
 * fragment) and the {@code sidx}'s earliest presentation time, by the same number of ticks of the track's
 * timescale. A chunk's muxer starts its track at 0; shifted by the chunk's start, its fragments carry the
 * times the whole-ladder encode gives the same frames, so players (and the DASH SegmentTimeline, built from
 * the first {@code tfdt} and the durations) see one continuous timeline across the joins. Sizes do not
 * change: 32-bit fields stay 32-bit, and a value that would not fit is refused.
 */
public final class FragmentTimes {
    private FragmentTimes() {
    }

    /** Shifts the segment file in place; returns how many times it changed (0: no tfdt, not a media segment). */
    public static int shift(Path segment, long ticks) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int changed = shift(bytes, ticks);
        Files.write(segment, bytes);
        return changed;
    }

    /** Shifts the segment's bytes in place. */
    static int shift(byte[] bytes, long ticks) {
        return walk(ByteBuffer.wrap(bytes), 0, bytes.length, ticks);
    }

    private static int walk(ByteBuffer b, int from, int to, long ticks) {
        int changed = 0;
        int at = from;
        while (at + 8 <= to) {
            long size = Integer.toUnsignedLong(b.getInt(at));
            String type = new String(new byte[] {b.get(at + 4), b.get(at + 5), b.get(at + 6), b.get(at + 7)},
                    java.nio.charset.StandardCharsets.US_ASCII);
            int header = 8;
            if (size == 1) {
                size = b.getLong(at + 8);
                header = 16;
            } else if (size == 0) {
                size = to - at;
            }
            if (size < header || at + size > to) {
                throw new IllegalArgumentException("a " + type + " box of " + size + " bytes overruns its parent at " + at);
            }
            int payload = at + header;
            switch (type) {
                case "moof", "traf" -> changed += walk(b, payload, (int) (at + size), ticks);
                // version/flags, then baseMediaDecodeTime
                case "tfdt" -> changed += add(b, payload + 4, b.get(payload) == 1, ticks);
                // version/flags, reference_ID, timescale, then earliest_presentation_time
                case "sidx" -> changed += add(b, payload + 12, b.get(payload) == 1, ticks);
                default -> { }
            }
            at += (int) size;
        }
        return changed;
    }

    private static int add(ByteBuffer b, int at, boolean wide, long ticks) {
        if (wide) {
            b.putLong(at, Math.addExact(b.getLong(at), ticks));
        } else {
            long v = Integer.toUnsignedLong(b.getInt(at)) + ticks;
            if (v < 0 || v > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("a 32-bit decode time cannot hold " + v);
            }
            b.putInt(at, (int) v);
        }
        return 1;
    }
}
