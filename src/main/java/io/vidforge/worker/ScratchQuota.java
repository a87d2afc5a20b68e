package io.vidforge.worker;

import io.vidforge.events.Events;
import io.vidforge.tasks.TaskEvents;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * WORK_DIR_MAX_BYTES: the disk a worker's running attempts may fill together under its work directory.
 * Two checks, neither of which knows what a handler does:
 * <ul>
 *   <li>before an attempt copies the source, it must fit in what the other attempts leave; a source
 *       larger than the whole limit is refused without downloading a byte;</li>
 *   <li>while attempts run, the directory is measured every {@link #CHECK_INTERVAL}; once it holds more
 *       than the limit, the attempt holding the most is aborted. Aborting cancels it, and every process
 *       a handler runs polls that cancellation (RunControl), so ffmpeg is killed within a tenth of a
 *       second; the worker then deletes the attempt's directory.</li>
 * </ul>
 * Both end the attempt with a counted retry named {@link #CODE} (another worker, or this one with
 * fewer attempts beside it, may have room); a source that fits nowhere fails with that code once its
 * attempts are used up. The limit can be overshot by what ffmpeg writes in one check interval.
 */
final class ScratchQuota {
    private static final Logger LOG = Logger.getLogger(ScratchQuota.class.getName());
    /** How often running attempts are measured: ffmpeg writes a few MB in this time at most. */
    static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    /** The retry reason and, once attempts are used up, the video's error code. */
    static final String CODE = "WORK_DIR_LIMIT";

    private final Path root;
    private final long limit;
    private final String nodeId;
    private final Events events;

    ScratchQuota(Path root, long limitBytes, String nodeId, Events events) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("WORK_DIR_MAX_BYTES must be positive, got " + limitBytes);
        }
        this.root = root;
        this.limit = limitBytes;
        this.nodeId = nodeId;
        this.events = events;
    }

    long limit() {
        return limit;
    }

    /**
     * Whether an attempt may copy a source of {@code sourceBytes} into the work directory now. Empty: it
     * may; otherwise the retry reason, and a WORK_DIR_LIMIT_REACHED event has been logged.
     */
    Optional<String> refuse(TaskRun run, long sourceBytes) {
        long used = usage(root);
        if (sourceBytes + used <= limit) {
            return Optional.empty();
        }
        String reason = CODE + ": " + (sourceBytes > limit
                ? "the source (" + sourceBytes + " bytes) is larger than WORK_DIR_MAX_BYTES (" + limit + ") of " + nodeId
                : "the source (" + sourceBytes + " bytes) does not fit in the " + Math.max(0, limit - used)
                        + " bytes that running attempts leave of WORK_DIR_MAX_BYTES (" + limit + ") on " + nodeId);
        TaskEvents.of(events, "WORK_DIR_LIMIT_REACHED", run.task()).with("action", "refused")
                .with("used_bytes", used).with("source_bytes", sourceBytes).with("limit_bytes", limit)
                .with("reason", reason).emit();
        return Optional.of(reason);
    }

    /**
     * Measures the work directory; over the limit, aborts the running attempt that holds the most.
     * Returns the attempt it aborted, if any.
     */
    Optional<TaskRun> check(Collection<TaskRun> running) {
        if (running.isEmpty()) {
            return Optional.empty();
        }
        long used = usage(root);
        if (used <= limit) {
            return Optional.empty();
        }
        record Held(TaskRun run, long bytes) {
        }
        Optional<Held> largest = running.stream().filter(r -> !r.cancelled() && r.workDir() != null)
                .map(r -> new Held(r, usage(r.workDir()))).max(Comparator.comparingLong(Held::bytes));
        if (largest.isEmpty()) {
            return Optional.empty(); // every attempt is already ending; its directory goes with it
        }
        TaskRun run = largest.get().run();
        String reason = CODE + ": the work directory of " + nodeId + " reached " + used + " bytes, over"
                + " WORK_DIR_MAX_BYTES (" + limit + "); this attempt held " + largest.get().bytes() + " bytes";
        if (!run.abort(reason)) {
            return Optional.empty();
        }
        TaskEvents.of(events, "WORK_DIR_LIMIT_REACHED", run.task()).with("action", "aborted")
                .with("used_bytes", used).with("attempt_bytes", largest.get().bytes()).with("limit_bytes", limit)
                .with("reason", reason).emit();
        return Optional.of(run);
    }

    /** Bytes in regular files under {@code dir}; files that vanish while it is walked count nothing. */
    static long usage(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted between listing and reading: nothing to count
                }
            });
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not measure " + dir + ": " + e.getMessage());
        }
        return total[0];
    }
}
