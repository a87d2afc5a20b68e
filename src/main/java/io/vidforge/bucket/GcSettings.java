package io.vidforge.bucket;

import io.vidforge.config.Settings;
import java.time.Duration;

/**
 * The storage clean-up's settings. An unreferenced object is deleted once it is older than {@code grace}
 * and was found unreferenced on two passes, one every {@code interval}. {@code batch} caps the marks and the
 * sweeps of one pass and {@code deletesPerSecond} the pace of deletes, so a large backlog drains over
 * several passes instead of flooding S3.
 */
public record GcSettings(Duration grace, Duration interval, int batch, double deletesPerSecond) {

    public GcSettings {
        if (grace.isNegative() || interval.isNegative() || batch < 1 || deletesPerSecond <= 0) {
            throw new IllegalArgumentException("GC_GRACE_SECONDS and GC_INTERVAL_SECONDS must be >= 0,"
                    + " GC_BATCH >= 1 and GC_DELETES_PER_SECOND > 0");
        }
    }

    public static GcSettings from(Settings s) {
        return new GcSettings(s.seconds("GC_GRACE_SECONDS", 3600), s.seconds("GC_INTERVAL_SECONDS", 300),
                s.integer("GC_BATCH", 1000), s.decimal("GC_DELETES_PER_SECOND", 50));
    }

    /** GC_INTERVAL_SECONDS=0 turns the clean-up off. */
    public boolean enabled() {
        return !interval.isZero();
    }
}
