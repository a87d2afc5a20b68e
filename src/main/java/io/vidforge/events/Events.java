package io.vidforge.events;

import java.util.LinkedHashMap;
import java.util.Map;

/** Emits events for one role of a node: {@code events.event("TASK_CLAIMED").with("task_id", 7).emit()}. */
public final class Events {
    private final EventLog log;
    private final String role;

    Events(EventLog log, String role) {
        this.log = log;
        this.role = role;
    }

    public String nodeId() {
        return log.nodeId();
    }

    public Event event(String name) {
        return new Event(name);
    }

    public final class Event {
        private final String name;
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Event(String name) {
            this.name = name;
        }

        /** Adds a field; {@code null} values are left out so absent means "not applicable". */
        public Event with(String key, Object value) {
            if (value != null) {
                fields.put(key, value);
            }
            return this;
        }

        /** Adds a field even when it is null, for fields whose absence would be ambiguous. */
        public Event withNullable(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        public Event withAll(Map<String, ?> more) {
            more.forEach(this::with);
            return this;
        }

        public void emit() {
            log.write(role, name, fields);
        }
    }
}
