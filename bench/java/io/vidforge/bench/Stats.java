package io.vidforge.bench;

import java.util.Arrays;
import java.util.List;

/** Percentiles of measured values (nearest rank). */
final class Stats {
    private Stats() {
    }

    static double pct(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int rank = (int) Math.ceil(p / 100.0 * a.length);
        return a[Math.max(0, Math.min(a.length - 1, rank - 1))];
    }

    static double median(List<Double> values) {
        return pct(values, 50);
    }
}
