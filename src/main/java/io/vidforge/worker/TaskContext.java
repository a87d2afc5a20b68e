package io.vidforge.worker;

import io.vidforge.model.Video;
import io.vidforge.tasks.Task;
import java.nio.file.Path;
import java.util.List;

/** What a handler gets for one attempt of one task. */
public interface TaskContext {
    /** The claimed task, with the attempt and version (fencing token) of this claim. */
    Task task();

    /** The video as it is now (raw key, generation, source once probed). */
    Video video();

    /**
     * The attempt-scoped S3 prefix (ending in '/') this attempt may write: unique per task and claim,
     * so a retry or a zombie never overwrites another attempt's objects.
     */
    String outputPrefix();

    /** Reports progress in [0,1]; cheap, thread-safe, sent with the next heartbeat. */
    void progress(double fraction);

    /** True once the lease is lost or the task was declared stuck: stop and return. */
    boolean cancelled();

    /** A private local directory for this attempt, removed afterwards. */
    Path workDir();

    /** For PUBLISH: the DONE tasks of the same video and generation, with their results. */
    List<Task> completedSiblings();
}
