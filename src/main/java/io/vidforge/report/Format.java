package io.vidforge.report;

import java.time.Duration;
import java.util.Locale;

/** Number and time formats the text and HTML reports share. */
final class Format {
    private Format() {
    }

    /** {@code 12.345 s} from the session's start. */
    static String offset(Duration d) {
        return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }

    static String bandwidth(long bps) {
        if (bps >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1f Mb/s", bps / 1e6);
        }
        return String.format(Locale.ROOT, "%d kb/s", Math.round(bps / 1e3));
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    static String shortId(String id) {
        return id == null ? "?" : id.length() > 12 ? id.substring(0, 12) + "…" : id;
    }
}
