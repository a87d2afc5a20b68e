package io.vidforge.media;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What the fMP4 init segment says about its tracks, read from the box types in its bytes (an init
 * segment is a few hundred bytes of moov: a scan is simpler than a box parser and exact enough).
 */
final class InitSegment {
    private final byte[] bytes;

    InitSegment(byte[] bytes) {
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

    /** True when there is an AAC sample entry: the variant carries audio. */
    boolean hasAacAudio() {
        return find("mp4a") >= 0;
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
