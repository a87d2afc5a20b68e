package io.vidforge.worker;

import io.vidforge.tasks.TaskKind;

/**
 * Does the work of one kind of task. It writes outputs only under {@link TaskContext#outputPrefix()}
 * and returns a result (JSON) that the worker commits through the fenced completion; it never changes
 * published state itself. Throw {@link PermanentTaskException} for errors a retry cannot fix (invalid
 * media); any other exception is retried with backoff.
 */
public interface TaskHandler {
    TaskKind kind();

    String handle(TaskContext ctx) throws Exception;
}
