package io.vidforge.testing;

import io.vidforge.db.DatabaseClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when the test says so; shared by every node of one test, and standing in for
 * the database's clock too (leases are measured on that one), so moving it expires leases.
 */
public final class ManualClock extends Clock implements DatabaseClock {
    private final AtomicLong millis;

    public ManualClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    public static ManualClock startingNow() {
        return new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
    }

    public void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public String nowMillisSql() {
        return "CAST(" + millis.get() + " AS BIGINT)";
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
