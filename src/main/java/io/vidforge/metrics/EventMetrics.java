package io.vidforge.metrics;

import io.vidforge.events.EventLog;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counters derived from the event stream: every event a node logs passes here once (an
 * {@link EventLog.Listener}), so the metrics say exactly what the logs say and no role carries
 * instrumentation of its own. Task durations are measured from a TASK_CLAIMED to the end of the same
 * attempt (TASK_COMPLETED, TASK_RETRY, TASK_FAILED, TASK_HEARTBEAT_LOST) logged by the same node.
 */
public final class EventMetrics implements EventLog.Listener {
    static final double[] SERVE_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 5};
    static final double[] TASK_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
    /** Open attempts remembered for durations; a node never runs this many at once. */
    private static final int MAX_OPEN_ATTEMPTS = 10_000;

    private final MetricsRegistry.Counter events;
    private final MetricsRegistry.Counter serves;
    private final MetricsRegistry.Counter servedBytes;
    private final MetricsRegistry.Histogram serveSeconds;
    private final MetricsRegistry.Counter cacheRequests;
    private final MetricsRegistry.Counter cacheBytes;
    private final MetricsRegistry.Counter prefetches;
    private final MetricsRegistry.Counter prefetchBytes;
    private final MetricsRegistry.Histogram prefetchSeconds;
    private final MetricsRegistry.Counter uploads;
    private final MetricsRegistry.Counter uploadBytes;
    private final MetricsRegistry.Counter stateChanges;
    private final MetricsRegistry.Counter taskEvents;
    private final MetricsRegistry.Counter retries;
    private final MetricsRegistry.Histogram taskSeconds;
    private final MetricsRegistry.Counter gcObjects;
    private final MetricsRegistry.Counter gcBytes;
    private final MetricsRegistry.Counter webhooks;
    private final Map<String, Long> openAttempts = new LinkedHashMap<>();

    EventMetrics(MetricsRegistry r) {
        events = r.counter("vidforge_events_total", "Events written to this node's event log.", "role", "event");
        serves = r.counter("vidforge_segment_serves_total",
                "Playback objects answered (SERVE), by kind and cache outcome.", "kind", "cache");
        servedBytes = r.counter("vidforge_segment_served_bytes_total",
                "Bytes of playback objects answered (SERVE), by kind and cache outcome.", "kind", "cache");
        serveSeconds = r.histogram("vidforge_segment_serve_duration_seconds",
                "Time to answer a playback object (SERVE duration_ms), by kind and cache outcome.",
                SERVE_BUCKETS, "kind", "cache");
        cacheRequests = r.counter("vidforge_cache_requests_total",
                "Node-local cache lookups by playback requests: hit or miss (a miss includes joined loads).",
                "result");
        cacheBytes = r.counter("vidforge_cache_bytes_total",
                "Bytes answered from the node-local cache (hit) or read from the origin for a request (miss).",
                "result");
        prefetches = r.counter("vidforge_prefetch_total", "Read-ahead outcomes (PREFETCH_RESULT).", "result");
        prefetchBytes = r.counter("vidforge_prefetch_bytes_total", "Bytes read from the origin by read-ahead.");
        prefetchSeconds = r.histogram("vidforge_prefetch_duration_seconds",
                "Time from scheduling a read-ahead to its result, by result.", SERVE_BUCKETS, "result");
        uploads = r.counter("vidforge_uploads_total", "Uploads by outcome: new, duplicate or aborted (with reason).",
                "outcome");
        uploadBytes = r.counter("vidforge_upload_bytes_total", "Bytes of new uploads received.");
        stateChanges = r.counter("vidforge_video_state_changes_total", "Video status transitions logged, by target.",
                "to");
        taskEvents = r.counter("vidforge_task_events_total",
                "Task lifecycle events (claimed, completed, retry, failed, lease expired, stale completion, ...).",
                "event", "kind");
        retries = r.counter("vidforge_task_retries_total", "Task retries, by kind and reason class.", "kind", "reason");
        taskSeconds = r.histogram("vidforge_task_duration_seconds",
                "Claim-to-outcome time of task attempts on this node, by kind and outcome.", TASK_BUCKETS,
                "kind", "outcome");
        gcObjects = r.counter("vidforge_gc_objects_total",
                "Storage clean-up: objects marked unreferenced, deleted after the second pass, or unmarked"
                        + " (referenced again), by reason.", "action", "reason");
        gcBytes = r.counter("vidforge_gc_bytes_total", "Storage clean-up: bytes marked and deleted, by reason.",
                "action", "reason");
        webhooks = r.counter("vidforge_webhook_deliveries_total",
                "Webhook delivery attempts by this node: sent (2xx), failed (retried later) or dead (given up).",
                "outcome");
    }

    @Override
    public void onEvent(String role, String event, Map<String, Object> f) {
        events.inc(role, label(event));
        switch (event) {
            case "SERVE" -> serve(f);
            case "PREFETCH_RESULT" -> prefetch(f);
            case "UPLOAD_RECEIVED" -> {
                uploads.inc("new");
                uploadBytes.add(asLong(f.get("size_bytes")));
            }
            case "UPLOAD_DUPLICATE" -> uploads.inc("duplicate");
            case "UPLOAD_ABORTED" -> uploads.inc("aborted_" + lower(f.get("reason")));
            case "STATE_CHANGE" -> stateChanges.inc(lower(f.get("to")));
            case "TASK_CLAIMED" -> {
                taskEvents.inc(event, kind(f));
                claimed(f);
            }
            case "TASK_COMPLETED" -> {
                taskEvents.inc(event, kind(f));
                ended(f, "completed");
            }
            case "TASK_FAILED" -> {
                taskEvents.inc(event, kind(f));
                ended(f, "failed");
            }
            case "TASK_RETRY" -> {
                taskEvents.inc(event, kind(f));
                retries.inc(kind(f), reasonClass(f.get("reason")));
                ended(f, "retry");
            }
            case "TASK_HEARTBEAT_LOST" -> {
                taskEvents.inc(event, kind(f));
                ended(f, "lease_lost");
            }
            case "GC_MARKED", "GC_DELETED", "GC_UNMARKED" -> {
                String action = event.substring(3).toLowerCase(Locale.ROOT);
                gcObjects.inc(action, lower(f.get("reason")));
                gcBytes.add(asLong(f.get("bytes")), action, lower(f.get("reason")));
            }
            case "WEBHOOK_SENT" -> webhooks.inc("sent");
            case "WEBHOOK_FAILED" -> webhooks.inc("failed");
            case "WEBHOOK_DEAD" -> webhooks.inc("dead");
            case "TASK_CREATED", "TASK_READY", "LEASE_EXPIRED", "TASK_STUCK", "STALE_COMPLETION_REJECTED" ->
                    taskEvents.inc(event, kind(f));
            default -> {
                // counted in vidforge_events_total only
            }
        }
    }

    private void serve(Map<String, Object> f) {
        if ("HEAD".equals(f.get("method"))) {
            return;
        }
        String kind = lower(f.get("kind"));
        Object c = f.get("cache");
        String cache = c == null ? "none" : lower(c); // masters are rendered, not cached
        long bytes = asLong(f.get("bytes"));
        serves.inc(kind, cache);
        servedBytes.add(bytes, kind, cache);
        serveSeconds.observe(asDouble(f.get("duration_ms")) / 1000.0, kind, cache);
        if (c != null) {
            cacheRequests.inc(cache);
            cacheBytes.add(bytes, cache);
        }
    }

    private void prefetch(Map<String, Object> f) {
        String result = lower(f.get("result"));
        prefetches.inc(result);
        prefetchBytes.add(asLong(f.get("bytes")));
        prefetchSeconds.observe(asDouble(f.get("duration_ms")) / 1000.0, result);
    }

    private void claimed(Map<String, Object> f) {
        String key = attemptKey(f);
        if (key == null) {
            return;
        }
        synchronized (openAttempts) {
            if (openAttempts.size() >= MAX_OPEN_ATTEMPTS) {
                openAttempts.remove(openAttempts.keySet().iterator().next());
            }
            openAttempts.put(key, System.nanoTime());
        }
    }

    private void ended(Map<String, Object> f, String outcome) {
        String key = attemptKey(f);
        if (key == null) {
            return;
        }
        Long started;
        synchronized (openAttempts) {
            started = openAttempts.remove(key);
        }
        if (started != null) {
            taskSeconds.observe((System.nanoTime() - started) / 1e9, kind(f), outcome);
        }
    }

    private static String attemptKey(Map<String, Object> f) {
        Object id = f.get("task_id");
        Object attempt = f.get("attempt");
        return id == null || attempt == null ? null : id + "/" + attempt;
    }

    private static String kind(Map<String, Object> f) {
        return label(f.get("kind"));
    }

    /** The leading upper-case code of a retry reason ("ERROR: …", "LEASE_EXPIRED …"), else OTHER. */
    static String reasonClass(Object reason) {
        if (reason == null) {
            return "OTHER";
        }
        String s = reason.toString();
        int end = 0;
        while (end < s.length() && end < 40 && (Character.isUpperCase(s.charAt(end)) || s.charAt(end) == '_'
                || Character.isDigit(s.charAt(end)))) {
            end++;
        }
        return label(s.substring(0, end));
    }

    /** Label values come from code, but are still bounded: anything unexpected becomes OTHER. */
    private static String label(Object v) {
        String s = v == null ? "" : v.toString();
        return isLabel(s) ? s : "OTHER";
    }

    /** {@code [A-Z][A-Z0-9_]{0,39}}, checked by hand: this runs for every event on the serving path. */
    private static boolean isLabel(String s) {
        int n = s.length();
        if (n == 0 || n > 40 || s.charAt(0) < 'A' || s.charAt(0) > 'Z') {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static final Map<String, String> LOWER = new java.util.concurrent.ConcurrentHashMap<>();

    /** The lower-case label of an enum-like value ("HIT" -> "hit"), remembered: the set is small. */
    private static String lower(Object v) {
        String raw = v == null ? "" : v.toString();
        String cached = LOWER.get(raw);
        if (cached != null) {
            return cached;
        }
        String l = label(raw.toUpperCase(Locale.ROOT)).toLowerCase(Locale.ROOT);
        if (LOWER.size() < 1_000) {
            LOWER.put(raw, l);
        }
        return l;
    }

    private static long asLong(Object v) {
        return v instanceof Number n ? Math.max(0, n.longValue()) : 0;
    }

    private static double asDouble(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}
