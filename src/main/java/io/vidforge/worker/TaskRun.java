package io.vidforge.worker;

import io.vidforge.model.Video;
import io.vidforge.tasks.Task;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * One attempt of one claimed task as its handler sees it, plus the worker's bookkeeping: the progress
 * to send with the next heartbeat, the lease as last renewed, and cancellation. Cancelling interrupts
 * the handler's thread while the handler runs (never the worker's own reporting afterwards), so a
 * handler blocked in a wait returns promptly as well as one that polls {@link #cancelled()}.
 */
final class TaskRun implements TaskContext {
    private final Task task;
    private final String outputPrefix;
    private volatile Video video;
    private volatile Path workDir;
    private volatile Supplier<List<Task>> siblings = List::of;
    private volatile double progress;
    private volatile double sentProgress;
    private volatile Instant leaseExpiresAt;
    private volatile boolean abandoned;
    private volatile String abortReason;
    private volatile boolean reporting;
    private boolean cancelled;
    private Thread handlerThread;

    TaskRun(Task task) {
        this(task, task.leaseExpiresAt());
    }

    /** {@code localLeaseEnd}: when the lease runs out by this worker's clock (the row's time is the database's). */
    TaskRun(Task task, Instant localLeaseEnd) {
        this.task = task;
        this.leaseExpiresAt = localLeaseEnd;
        String step = task.kind().name().toLowerCase(Locale.ROOT) + (task.variant().isEmpty() ? "" : "-" + task.variant());
        // Unique per claim (the version changes with every claim), so no two attempts share an object key.
        this.outputPrefix = "videos/" + task.videoId() + "/g" + task.generation() + "/" + step + "/a" + task.attempt()
                + "-v" + task.version() + "/";
    }

    void prepare(Video video, Path workDir, Supplier<List<Task>> siblings) {
        this.video = video;
        this.workDir = workDir;
        this.siblings = siblings;
    }

    @Override public Task task() { return task; }
    @Override public Video video() { return video; }
    @Override public String outputPrefix() { return outputPrefix; }
    @Override public Path workDir() { return workDir; }
    @Override public List<Task> completedSiblings() { return siblings.get(); }

    @Override
    public void progress(double fraction) {
        double f = Math.max(0, Math.min(1, fraction));
        synchronized (this) {
            if (f > progress) {
                progress = f;
            }
        }
    }

    @Override
    public synchronized boolean cancelled() {
        return cancelled;
    }

    /** Marks the attempt cancelled; true for the first call only. */
    synchronized boolean cancel() {
        if (cancelled) {
            return false;
        }
        cancelled = true;
        if (handlerThread != null) {
            handlerThread.interrupt();
        }
        return true;
    }

    /** The node shuts down past its grace period: cancel, and report nothing (the lease will expire). */
    void abandon() {
        abandoned = true;
        cancel();
    }

    boolean abandoned() {
        return abandoned;
    }

    /**
     * The worker ends the attempt for a reason of its own (its scratch space is full): cancel, and report
     * the failure under {@code reason} ("CODE: message"). True for the first cancellation only.
     */
    synchronized boolean abort(String reason) {
        if (cancelled) {
            return false;
        }
        abortReason = reason;
        return cancel();
    }

    /**
     * The handler is done and the worker is reporting the outcome: from here on a heartbeat that finds the
     * claim gone has lost nothing (the report itself moved the version on, or will be rejected and say so).
     */
    void reporting() {
        reporting = true;
    }

    boolean isReporting() {
        return reporting;
    }

    /** Why the worker aborted this attempt, or null when it did not. */
    String abortReason() {
        return abortReason;
    }

    synchronized void handlerStarted() {
        handlerThread = Thread.currentThread();
        if (cancelled) {
            handlerThread.interrupt();
        }
    }

    synchronized void handlerEnded() {
        handlerThread = null;
        Thread.interrupted(); // a cancel that raced with the end must not break the worker's own reporting
    }

    double progressValue() { return progress; }
    double sentProgress() { return sentProgress; }
    Instant leaseExpiresAt() { return leaseExpiresAt; }

    void renewed(Instant expiresAt, double sent) {
        this.leaseExpiresAt = expiresAt;
        this.sentProgress = sent;
    }
}
