package io.vidforge.tools;

import io.vidforge.Platform;
import io.vidforge.bucket.BucketCheck;
import io.vidforge.bucket.DeploymentId;
import io.vidforge.bucket.GcSettings;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./run.sh fsck}: compares the bucket with the database on the settings of the environment (the
 * cluster's, or the single node's data directory) and prints what is missing (data loss: exit 1), the
 * orphans by reason and age (the oldest of each reason listed), and the bytes per category. Read-only. Exit 2 when it cannot check at all.
 */
public final class FsckMain {
    private static final int SHOWN = 20;

    private FsckMain() {
    }

    public static void main(String[] args) {
        System.exit(run(Settings.fromEnvironment(), System.out));
    }

    /** One check on {@code settings}; returns the exit code (0 consistent, 1 data loss or mismatch, 2 no check). */
    public static int run(Settings env, PrintStream out) {
        // A database and a bucket that do not belong together are reported, not refused: that is what fsck is for.
        Settings settings = env.with(Map.of(DeploymentId.CHECK_SETTING, DeploymentId.REPORT));
        try (Platform platform = Platform.open(settings, settings.string("NODE_ID", "fsck"), Clock.systemUTC())) {
            BucketCheck.Report r = new BucketCheck(platform.store(), platform.sql(), platform.videos(), platform.clock(),
                    GcSettings.from(settings).grace()).run(platform.deploymentProblem());
            print(r, out);
            platform.events(Role.ORCHESTRATOR).event("FSCK").with("objects", r.objects()).with("bytes", r.bytes())
                    .with("missing", r.missing().size()).with("orphans", r.orphans().size())
                    .with("orphans_past_grace", r.orphansPastGrace()).emit();
            return r.dataLoss() || r.deploymentProblem().isPresent() ? 1 : 0;
        } catch (RuntimeException e) {
            out.println("fsck could not check the bucket against the database: " + e.getMessage());
            return 2;
        }
    }

    static void print(BucketCheck.Report r, PrintStream out) {
        out.printf("bucket: %d objects, %s%n", r.objects(), human(r.bytes()));
        r.deploymentProblem().ifPresent(p -> out.println("DEPLOYMENT MISMATCH: " + p));
        out.println("bytes per category:");
        r.byCategory().forEach((k, t) -> out.printf("  %-22s %8d objects %12s%n", k, t.objects, human(t.bytes)));
        out.printf("missing (referenced but not in the bucket): %d%n", r.missing().size());
        r.missing().stream().limit(SHOWN).forEach(m ->
                out.printf("  MISSING %s  (video %s, %s)%n", m.key(), m.videoId(), m.what()));
        if (r.missing().size() > SHOWN) {
            out.printf("  … and %d more%n", r.missing().size() - SHOWN);
        }
        out.printf("orphans: %d, %d older than the grace period (%d s)%n", r.orphans().size(), r.orphansPastGrace(),
                r.grace().toSeconds());
        Map<String, long[]> byReason = new TreeMap<>();
        for (BucketCheck.Orphan o : r.orphans()) {
            long[] row = byReason.computeIfAbsent(o.reason(), k -> new long[5]);
            row[bucketOf(o.ageSeconds())]++;
            row[4] += o.bytes();
        }
        if (!byReason.isEmpty()) {
            out.printf("  %-22s %8s %8s %8s %8s %12s%n", "reason", "<1h", "1h-1d", "1d-7d", ">7d", "bytes");
            byReason.forEach((k, row) -> out.printf("  %-22s %8d %8d %8d %8d %12s%n", k, row[0], row[1], row[2],
                    row[3], human(row[4])));
        }
        // The oldest of each reason: the many outputs a chunked publish leaves for the clean-up must not hide
        // the one uncommitted upload an operator is looking for.
        Map<String, List<BucketCheck.Orphan>> shown = new TreeMap<>();
        for (BucketCheck.Orphan o : r.orphans()) {
            shown.computeIfAbsent(o.reason(), k -> new java.util.ArrayList<>()).add(o);
        }
        shown.forEach((reason, orphans) -> {
            orphans.stream().limit(SHOWN).forEach(o -> out.printf("  ORPHAN %s  (%s, %d s old, %s)%n", o.key(),
                    o.reason(), o.ageSeconds(), human(o.bytes())));
            if (orphans.size() > SHOWN) {
                out.printf("  … and %d more %s%n", orphans.size() - SHOWN, reason);
            }
        });
        out.println(r.dataLoss() ? "RESULT: DATA LOSS (referenced objects are missing)"
                : "RESULT: OK (nothing referenced is missing)");
    }

    private static int bucketOf(long ageSeconds) {
        return ageSeconds < 3600 ? 0 : ageSeconds < 86_400 ? 1 : ageSeconds < 7 * 86_400 ? 2 : 3;
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
