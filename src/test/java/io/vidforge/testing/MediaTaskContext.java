package io.vidforge.testing;

import io.vidforge.model.SourceInfo;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.worker.TaskContext;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * A TaskContext for handler tests: one attempt of one task, with the attempt-scoped prefix the worker
 * would give it ({@code videos/{id}/g{gen}/{kind}[-{variant}]/a{attempt}-v{version}/}), progress
 * recorded, and cancellation under the test's control.
 */
public final class MediaTaskContext implements TaskContext {
    private final Task task;
    private final Video video;
    private final Path workDir;
    private final List<Task> siblings;
    private final BooleanSupplier cancelled;
    private final List<Double> progress = new CopyOnWriteArrayList<>();

    private MediaTaskContext(Task task, Video video, Path workDir, List<Task> siblings, BooleanSupplier cancelled) {
        this.task = task;
        this.video = video;
        this.workDir = workDir;
        this.siblings = List.copyOf(siblings);
        this.cancelled = cancelled;
    }

    public static MediaTaskContext of(Task task, Video video, Path workDir) {
        return new MediaTaskContext(task, video, workDir, List.of(), () -> false);
    }

    public MediaTaskContext withSiblings(List<Task> completed) {
        return new MediaTaskContext(task, video, workDir, completed, cancelled);
    }

    public MediaTaskContext cancelledWhen(BooleanSupplier check) {
        return new MediaTaskContext(task, video, workDir, siblings, check);
    }

    /** A RUNNING task of the given attempt and fencing version. */
    public static Task task(long id, String videoId, TaskKind kind, String variant, int attempt, long version) {
        return new Task(id, videoId, 1, kind, variant, TaskState.RUNNING, attempt, 3, version, "worker-test",
                null, null, 0, null, null, null);
    }

    /** The same task as DONE with its result, as completedSiblings() returns it. */
    public static Task done(Task t, String resultJson) {
        return new Task(t.taskId(), t.videoId(), t.generation(), t.kind(), t.variant(), TaskState.DONE, t.attempt(),
                t.maxAttempts(), t.version(), t.owner(), null, null, 1, null, null, resultJson);
    }

    public static Video video(String videoId, String rawKey, String filename, SourceInfo source) {
        return new Video(videoId, "sha", "p1-test", VideoStatus.PROCESSING, "t", filename, "video/mp4", 0, rawKey, 1,
                source, List.of(), null, null, 0, 0);
    }

    @Override
    public Task task() {
        return task;
    }

    @Override
    public Video video() {
        return video;
    }

    @Override
    public String outputPrefix() {
        String kind = task.kind().name().toLowerCase(java.util.Locale.ROOT);
        String variant = task.variant() == null || task.variant().isEmpty() ? "" : "-" + task.variant();
        return "videos/" + task.videoId() + "/g" + task.generation() + "/" + kind + variant + "/a" + task.attempt()
                + "-v" + task.version() + "/";
    }

    @Override
    public void progress(double fraction) {
        progress.add(fraction);
    }

    public List<Double> progressReports() {
        return List.copyOf(progress);
    }

    @Override
    public boolean cancelled() {
        return cancelled.getAsBoolean();
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public List<Task> completedSiblings() {
        return siblings;
    }
}
