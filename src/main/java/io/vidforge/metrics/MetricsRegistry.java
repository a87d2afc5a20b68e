package io.vidforge.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A small, dependency-free metrics registry for one node, rendered in the Prometheus text exposition
 * format (version 0.0.4). Counters and histograms are updated lock-free on the hot path (a map lookup by
 * label values and a {@link LongAdder}); gauges are computed when scraped. Label values are few and
 * bounded by the caller (route classes, event names, enum values), never request input.
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** A monotonically increasing count (or byte total) per label set. */
    public synchronized Counter counter(String name, String help, String... labelNames) {
        return (Counter) register(new Counter(name, help, labelNames));
    }

    /** A distribution in cumulative buckets (upper bounds in the unit the name says, seconds or bytes). */
    public synchronized Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return (Histogram) register(new Histogram(name, help, buckets, labelNames));
    }

    /** A value read when scraped: {@code samples} returns label values (in labelNames order) to value. */
    public synchronized void gauge(String name, String help, List<String> labelNames,
                                   Supplier<Map<List<String>, Double>> samples) {
        register(new Gauge(name, help, labelNames.toArray(String[]::new), samples));
    }

    /** An unlabelled gauge. */
    public void gauge(String name, String help, Supplier<Double> value) {
        gauge(name, help, List.of(), () -> Map.of(List.of(), value.get()));
    }

    private Family register(Family f) {
        if (!NAME.matcher(f.name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + f.name);
        }
        Family existing = families.get(f.name);
        if (existing != null) {
            if (existing.getClass() != f.getClass() || !Arrays.equals(existing.labelNames, f.labelNames)) {
                throw new IllegalArgumentException("metric " + f.name + " registered twice with different shapes");
            }
            return existing;
        }
        families.put(f.name, f);
        return f;
    }

    /** Every family in the text format; a gauge whose supplier fails is left out (and counted). */
    public String render() {
        List<Family> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(families.values());
        }
        StringBuilder sb = new StringBuilder(8192);
        for (Family f : snapshot) {
            f.render(sb);
        }
        return sb.toString();
    }

    /** Common base: name, help, label names. */
    abstract static sealed class Family permits Counter, Histogram, Gauge {
        final String name;
        final String help;
        final String[] labelNames;

        Family(String name, String help, String[] labelNames) {
            this.name = name;
            this.help = help;
            this.labelNames = labelNames.clone();
        }

        List<String> key(String[] values) {
            if (values.length != labelNames.length) {
                throw new IllegalArgumentException(name + " takes labels " + Arrays.toString(labelNames)
                        + ", got " + Arrays.toString(values));
            }
            return List.of(values);
        }

        void header(StringBuilder sb, String type) {
            sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                    .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        abstract void render(StringBuilder sb);
    }

    /** See {@link #counter}. */
    public static final class Counter extends Family {
        private final ConcurrentHashMap<List<String>, LongAdder> values = new ConcurrentHashMap<>();

        Counter(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        public void add(long amount, String... labelValues) {
            if (amount < 0) {
                throw new IllegalArgumentException("a counter only goes up");
            }
            values.computeIfAbsent(key(labelValues), k -> new LongAdder()).add(amount);
        }

        /** The current value (0 when the label set was never seen); for tests and diagnostics. */
        public long value(String... labelValues) {
            LongAdder a = values.get(List.of(labelValues));
            return a == null ? 0 : a.sum();
        }

        @Override
        void render(StringBuilder sb) {
            header(sb, "counter");
            for (var e : sorted(values)) {
                sample(sb, name, labelNames, e.getKey(), null, null, e.getValue().sum());
            }
        }
    }

    /** See {@link #histogram}. */
    public static final class Histogram extends Family {
        private final double[] bounds;
        private final ConcurrentHashMap<List<String>, Cells> values = new ConcurrentHashMap<>();

        Histogram(String name, String help, double[] bounds, String[] labelNames) {
            super(name, help, labelNames);
            for (int i = 1; i < bounds.length; i++) {
                if (!(bounds[i] > bounds[i - 1])) {
                    throw new IllegalArgumentException(name + ": buckets must increase");
                }
            }
            this.bounds = bounds.clone();
        }

        public void observe(double value, String... labelValues) {
            Cells c = values.computeIfAbsent(key(labelValues), k -> new Cells(bounds.length));
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            c.buckets[i].increment(); // non-cumulative here; cumulated when rendered
            c.sum.add(value);
            c.count.increment();
        }

        public long count(String... labelValues) {
            Cells c = values.get(List.of(labelValues));
            return c == null ? 0 : c.count.sum();
        }

        @Override
        void render(StringBuilder sb) {
            header(sb, "histogram");
            for (var e : sorted(values)) {
                Cells c = e.getValue();
                long cumulative = 0;
                for (int i = 0; i <= bounds.length; i++) {
                    cumulative += c.buckets[i].sum();
                    String le = i < bounds.length ? format(bounds[i]) : "+Inf";
                    sample(sb, name + "_bucket", labelNames, e.getKey(), "le", le, cumulative);
                }
                sample(sb, name + "_sum", labelNames, e.getKey(), null, null, c.sum.sum());
                sample(sb, name + "_count", labelNames, e.getKey(), null, null, c.count.sum());
            }
        }

        private static final class Cells {
            final LongAdder[] buckets;
            final DoubleAdder sum = new DoubleAdder();
            final LongAdder count = new LongAdder();

            Cells(int bounds) {
                buckets = new LongAdder[bounds + 1];
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = new LongAdder();
                }
            }
        }
    }

    /** See {@link #gauge}. */
    static final class Gauge extends Family {
        private final Supplier<Map<List<String>, Double>> samples;
        private final LongAdder failures = new LongAdder();

        Gauge(String name, String help, String[] labelNames, Supplier<Map<List<String>, Double>> samples) {
            super(name, help, labelNames);
            this.samples = samples;
        }

        @Override
        void render(StringBuilder sb) {
            Map<List<String>, Double> now;
            try {
                now = samples.get();
            } catch (RuntimeException e) {
                failures.increment();
                return; // e.g. the database is down: the series are absent, not wrong
            }
            header(sb, "gauge");
            for (var e : sorted(now)) {
                sample(sb, name, labelNames, e.getKey(), null, null, e.getValue());
            }
        }
    }

    private static <V> List<Map.Entry<List<String>, V>> sorted(Map<List<String>, V> m) {
        List<Map.Entry<List<String>, V>> list = new ArrayList<>(m.entrySet());
        list.sort((a, b) -> String.join("\u0000", a.getKey()).compareTo(String.join("\u0000", b.getKey())));
        return list;
    }

    private static void sample(StringBuilder sb, String name, String[] labelNames, List<String> values,
                               String extraName, String extraValue, double value) {
        sb.append(name);
        if (labelNames.length > 0 || extraName != null) {
            sb.append('{');
            boolean first = true;
            for (int i = 0; i < labelNames.length; i++) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(labelNames[i]).append("=\"").append(escape(values.get(i))).append('"');
            }
            if (extraName != null) {
                if (!first) {
                    sb.append(',');
                }
                sb.append(extraName).append("=\"").append(extraValue).append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(format(value)).append('\n');
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }
}
