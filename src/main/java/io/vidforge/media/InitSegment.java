package io.vidforge.media;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What the fMP4 init segment says about its tracks, read from the box types in its bytes (an init
 * segment is a few hundred bytes of moov: a scan is simpler than a box parser and exact enough).
 */
public final class InitSegment {
    private final byte[] bytes;

    public InitSegment(byte[] bytes) {
        this.bytes = bytes;
    }

    /** {@code avc1.PPCCLL} from the avcC box: profile, constraint flags, level as the encoder wrote them. */
    Optional<String> avc1() {
        int at = find("avcC");
        if (at < 0 || at + 8 > bytes.length) {
            return Optional.empty();
        }
        // avcC payload: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
        return Optional.of("avc1." + HexFormat.of().formatHex(bytes, at + 5, at + 8));
    }

    /**
     * The sample description ({@code stsd}: the sample entry with its avcC, i.e. SPS and PPS, picture size,
     * colour and pixel aspect boxes) with any {@code btrt} bit rates blanked: the codec configuration a
     * decoder is set up with. Two encodes whose init segments agree on it can share one init segment.
     */
    byte[] codecConfiguration() {
        int at = find("stsd");
        if (at < 4) {
            throw new IllegalArgumentException("no stsd box in the init segment");
        }
        int size = (int) u32(bytes, at - 4);
        if (size < 8 || at - 4 + size > bytes.length) {
            throw new IllegalArgumentException("a truncated stsd box in the init segment");
        }
        byte[] stsd = java.util.Arrays.copyOfRange(bytes, at - 4, at - 4 + size);
        int btrt = new InitSegment(stsd).find("btrt");
        if (btrt >= 0) {
            // bufferSizeDB, maxBitrate, avgBitrate: measured figures, not decoder configuration
            java.util.Arrays.fill(stsd, btrt + 4, Math.min(stsd.length, btrt + 16), (byte) 0);
        }
        return stsd;
    }

    /** Whether the other init segment has the same {@link #codecConfiguration()}. */
    public boolean sameCodecConfiguration(InitSegment other) {
        return java.util.Arrays.equals(codecConfiguration(), other.codecConfiguration());
    }

    /** True when there is an AAC sample entry: the variant carries audio. */
    boolean hasAacAudio() {
        return find("mp4a") >= 0;
    }

    /** The media timescale (ticks per second) from the track's mdhd box. */
    public Optional<Long> timescale() {
        int at = find("mdhd");
        if (at < 0 || at + 8 > bytes.length) {
            return Optional.empty();
        }
        int p = at + 4; // version + flags, then creation and modification times (4 or 8 bytes each)
        int ts = bytes[p] == 1 ? p + 4 + 16 : p + 4 + 8;
        return ts + 4 <= bytes.length ? Optional.of(u32(bytes, ts)) : Optional.empty();
    }

    /**
     * The media time the edit list starts the presentation at, as a DASH presentationTimeOffset: the first
     * non-empty edit's media_time, less any leading empty edit (converted from the movie timescale of mvhd to
     * the media timescale). DASH players ignore edit lists, so without it they would show the video's first
     * frame at its composition offset (ffmpeg's B-frame delay), not where Safari and ffmpeg show it. Never
     * negative: an empty edit longer than the media time cannot be expressed and is dropped (0).
     */
    long presentationTimeOffset() {
        int at = find("elst");
        Optional<Long> mediaTs = timescale();
        if (at < 0 || mediaTs.isEmpty()) {
            return 0;
        }
        int p = at + 4;
        boolean v1 = bytes[p] == 1;
        long count = u32(bytes, p + 4);
        int e = p + 8;
        long emptyMovieTicks = 0;
        for (long i = 0; i < count && e + (v1 ? 20 : 12) <= bytes.length; i++) {
            long duration = v1 ? u64(bytes, e) : u32(bytes, e);
            long mediaTime = v1 ? u64(bytes, e + 8) : (int) u32(bytes, e + 4);
            e += v1 ? 20 : 12;
            if (mediaTime == -1) {
                emptyMovieTicks += duration;
            } else {
                long movieTs = movieTimescale().orElse(mediaTs.get());
                long empty = Math.round(emptyMovieTicks * (double) mediaTs.get() / movieTs);
                return Math.max(0, mediaTime - empty);
            }
        }
        return 0;
    }

    private Optional<Long> movieTimescale() {
        int at = find("mvhd");
        if (at < 0) {
            return Optional.empty();
        }
        int p = at + 4;
        int ts = bytes[p] == 1 ? p + 4 + 16 : p + 4 + 8;
        return ts + 4 <= bytes.length ? Optional.of(u32(bytes, ts)) : Optional.empty();
    }

    /** The first tfdt's baseMediaDecodeTime in a media segment's bytes (its head is enough). */
    static Optional<Long> baseMediaDecodeTime(byte[] segment) {
        int at = new InitSegment(segment).find("tfdt");
        if (at < 0 || at + 8 > segment.length) {
            return Optional.empty();
        }
        int p = at + 4;
        boolean v1 = segment[p] == 1;
        if (p + 4 + (v1 ? 8 : 4) > segment.length) {
            return Optional.empty();
        }
        return Optional.of(v1 ? u64(segment, p + 4) : u32(segment, p + 4));
    }

    static long u32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }

    static long u64(byte[] b, int at) {
        return (u32(b, at) << 32) | u32(b, at + 4);
    }

    private int find(String fourcc) {
        byte[] t = fourcc.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + t.length <= bytes.length; i++) {
            for (int j = 0; j < t.length; j++) {
                if (bytes[i + j] != t[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
