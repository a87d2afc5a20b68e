package io.vidforge.segment;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single {@code Range: bytes=…} request against an object of known length (RFC 9110 §14). What the
 * RFC lets a server ignore is ignored (answered with the whole object): other units, syntactically
 * invalid specs and multiple ranges, which players do not send and multipart/byteranges would only
 * complicate. A valid range that starts past the end is unsatisfiable (416).
 */
public sealed interface ByteRange {
    Pattern SPEC = Pattern.compile("(\\d*)-(\\d*)");

    /** No range, or one we ignore: 200 with the whole object. */
    record Whole(long length) implements ByteRange {
    }

    /** 206 with bytes {@code first..last} inclusive. */
    record Part(long first, long last, long length) implements ByteRange {
        public long size() {
            return last - first + 1;
        }

        public String contentRange() {
            return "bytes " + first + "-" + last + "/" + length;
        }
    }

    /** 416, with {@code Content-Range: bytes *}{@code /length}. */
    record Unsatisfiable(long length) implements ByteRange {
        public String contentRange() {
            return "bytes */" + length;
        }
    }

    static ByteRange parse(String header, long length) {
        if (header == null || header.isBlank()) {
            return new Whole(length);
        }
        String h = header.trim();
        int eq = h.indexOf('=');
        if (eq < 0 || !h.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
            return new Whole(length);
        }
        String spec = h.substring(eq + 1).trim();
        if (spec.contains(",")) {
            return new Whole(length);
        }
        Matcher m = SPEC.matcher(spec);
        if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
            return new Whole(length);
        }
        if (m.group(1).isEmpty()) {
            long suffix = digits(m.group(2));
            if (suffix == 0 || length == 0) {
                return new Unsatisfiable(length);
            }
            return new Part(Math.max(0, length - suffix), length - 1, length);
        }
        long first = digits(m.group(1));
        long last = m.group(2).isEmpty() ? Long.MAX_VALUE : digits(m.group(2));
        if (last < first) {
            return new Whole(length);
        }
        if (first >= length) {
            return new Unsatisfiable(length);
        }
        return new Part(first, Math.min(last, length - 1), length);
    }

    /** Numbers too long for a long are larger than any object: saturate instead of failing. */
    private static long digits(String s) {
        return s.length() > 18 ? Long.MAX_VALUE : Long.parseLong(s);
    }
}
