package io.vidforge.worker;

import io.vidforge.media.ProcessAbortedException;
import io.vidforge.storage.StorageException;
import io.vidforge.tasks.TaskOutcomes;
import java.util.function.BooleanSupplier;

/**
 * Why an attempt ended without a result, as its TASK_RETRY {@code reason} names it ("CODE: message"),
 * and whether it uses up one of the task's attempts.
 *
 * <ul>
 *   <li>{@code WORK_DIR_LIMIT}: the worker aborted it, its scratch space was full (counted; the video's
 *       error code when the attempts run out);</li>
 *   <li>{@code FFMPEG_STALLED} / {@code FFMPEG_TIMED_OUT}: the process watchdog killed ffmpeg (counted);</li>
 *   <li>{@code STORAGE_UNAVAILABLE}: an object-store call failed and the store does not answer at all
 *       (not counted: an outage says nothing about the task; the worker pauses instead). A storage error
 *       while the store answers is the task's own and counts, so it cannot retry forever;</li>
 *   <li>{@code ERROR}: anything else (counted).</li>
 * </ul>
 */
record AttemptFailure(String code, String message, boolean counted, String exhaustedCode) {

    String reason() {
        return code + ": " + message;
    }

    static AttemptFailure of(TaskRun run, Exception e, BooleanSupplier storeReachable) {
        String aborted = run.abortReason();
        if (aborted != null) {
            int colon = aborted.indexOf(": ");
            return new AttemptFailure(aborted.substring(0, colon), aborted.substring(colon + 2), true, aborted.substring(0, colon));
        }
        ProcessAbortedException killed = find(e, ProcessAbortedException.class);
        if (killed != null && killed.reason() != ProcessAbortedException.Reason.CANCELLED) {
            return new AttemptFailure("FFMPEG_" + killed.reason().name(), killed.getMessage(), true,
                    TaskOutcomes.RETRIES_EXHAUSTED);
        }
        StorageException storage = find(e, StorageException.class);
        if (storage != null && !storage.notFound() && !storeReachable.getAsBoolean()) {
            return new AttemptFailure("STORAGE_UNAVAILABLE", describe(storage), false, TaskOutcomes.RETRIES_EXHAUSTED);
        }
        return new AttemptFailure("ERROR", describe(e), true, TaskOutcomes.RETRIES_EXHAUSTED);
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
