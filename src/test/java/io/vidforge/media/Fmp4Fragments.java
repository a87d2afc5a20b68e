package io.vidforge.media;

import java.nio.ByteBuffer;

/**
 * An independent reading of a CMAF media segment's timing, for checking manifests against the bytes: the
 * first traf's baseMediaDecodeTime (tfdt) and the sum of its samples' durations (trun, or the tfhd/trex
 * default). Walks the box tree properly, unlike the production scan.
 */
final class Fmp4Fragments {
    record Timing(long baseMediaDecodeTime, long duration, int samples) {
    }

    private Fmp4Fragments() {
    }

    /** @param trexDefaultDuration the init segment's trex default_sample_duration (0 when absent) */
    static Timing read(byte[] segment, long trexDefaultDuration) {
        ByteBuffer b = ByteBuffer.wrap(segment);
        int moof = child(b, 0, segment.length, "moof");
        int[] moofRange = {moof + 8, moof + b.getInt(moof)};
        int traf = child(b, moofRange[0], moofRange[1], "traf");
        int trafEnd = traf + b.getInt(traf);
        int tfhd = child(b, traf + 8, trafEnd, "tfhd");
        int tfhdFlags = b.getInt(tfhd + 8) & 0xFFFFFF;
        int p = tfhd + 16; // after size, type, version/flags, track_ID
        if ((tfhdFlags & 0x01) != 0) {
            p += 8; // base_data_offset
        }
        if ((tfhdFlags & 0x02) != 0) {
            p += 4; // sample_description_index
        }
        long defaultDuration = (tfhdFlags & 0x08) != 0 ? Integer.toUnsignedLong(b.getInt(p)) : trexDefaultDuration;
        int tfdt = child(b, traf + 8, trafEnd, "tfdt");
        long base = b.get(tfdt + 8) == 1 ? b.getLong(tfdt + 12) : Integer.toUnsignedLong(b.getInt(tfdt + 12));
        int trun = child(b, traf + 8, trafEnd, "trun");
        int trunFlags = b.getInt(trun + 8) & 0xFFFFFF;
        int count = b.getInt(trun + 12);
        int q = trun + 16;
        if ((trunFlags & 0x01) != 0) {
            q += 4;
        }
        if ((trunFlags & 0x04) != 0) {
            q += 4;
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            if ((trunFlags & 0x100) != 0) {
                total += Integer.toUnsignedLong(b.getInt(q));
                q += 4;
            } else {
                total += defaultDuration;
            }
            q += ((trunFlags & 0x200) != 0 ? 4 : 0) + ((trunFlags & 0x400) != 0 ? 4 : 0)
                    + ((trunFlags & 0x800) != 0 ? 4 : 0);
        }
        return new Timing(base, total, count);
    }

    /** trex's default_sample_duration in an init segment's moov/mvex, 0 when there is none. */
    static long trexDefaultDuration(byte[] init) {
        ByteBuffer b = ByteBuffer.wrap(init);
        int moov = child(b, 0, init.length, "moov");
        int mvex = find(b, moov + 8, moov + b.getInt(moov), "mvex");
        if (mvex < 0) {
            return 0;
        }
        int trex = find(b, mvex + 8, mvex + b.getInt(mvex), "trex");
        // size, type, version/flags, track_ID, default_sample_description_index, default_sample_duration
        return trex < 0 ? 0 : Integer.toUnsignedLong(b.getInt(trex + 20));
    }

    /** Box types at the top level of a file, in order: to check which boxes a segment carries. */
    static java.util.List<String> topLevel(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int at = 0; at + 8 <= file.length; ) {
            long size = Integer.toUnsignedLong(b.getInt(at));
            out.add(type(b, at));
            if (size < 8) {
                break;
            }
            at += (int) size;
        }
        return out;
    }

    /** The major and compatible brands of the segment's leading styp (empty when it has none). */
    static java.util.List<String> stypBrands(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file);
        java.util.List<String> out = new java.util.ArrayList<>();
        if (file.length < 16 || !"styp".equals(type(b, 0))) {
            return out;
        }
        int size = b.getInt(0);
        out.add(type(b, 4)); // the major brand (type() reads the 4 bytes after the given offset + 4)
        for (int at = 12; at + 8 <= size; at += 4) {
            out.add(type(b, at));
        }
        return out;
    }

    private static int child(ByteBuffer b, int from, int to, String type) {
        int at = find(b, from, to, type);
        if (at < 0) {
            throw new IllegalArgumentException("no " + type + " box");
        }
        return at;
    }

    private static int find(ByteBuffer b, int from, int to, String type) {
        for (int at = from; at + 8 <= to; ) {
            long size = Integer.toUnsignedLong(b.getInt(at));
            if (type(b, at).equals(type)) {
                return at;
            }
            if (size < 8) {
                return -1;
            }
            at += (int) size;
        }
        return -1;
    }

    private static String type(ByteBuffer b, int at) {
        byte[] t = new byte[4];
        b.get(at + 4, t);
        return new String(t, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
