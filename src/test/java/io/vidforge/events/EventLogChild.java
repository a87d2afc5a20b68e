package io.vidforge.events;

import java.nio.file.Path;

/**
 * A process for {@link EventLogTest}'s kill -9 case: emits {@code count} events, prints EMITTED, then
 * keeps emitting until it is killed, so the kill lands while lines are being written.
 */
public final class EventLogChild {
    private EventLogChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        EventLog log = EventLog.open(dir, "child-1");
        Events events = log.forRole("segment");
        for (int i = 0; i < count; i++) {
            events.event("SERVE").with("i", i).with("payload", "x".repeat(100 + i % 200)).emit();
        }
        System.out.println("EMITTED " + count);
        System.out.flush();
        for (long i = count; ; i++) { // never closed: only the kill ends it
            events.event("MORE").with("i", i).emit();
        }
    }
}
