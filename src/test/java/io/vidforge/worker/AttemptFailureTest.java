package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.media.ProcessAbortedException;
import io.vidforge.storage.StorageException;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** How a failed attempt is named in TASK_RETRY and whether it uses up an attempt. */
class AttemptFailureTest {
    private static final Task TASK = new Task(7, "v", 1, TaskKind.TRANSCODE, "360p", TaskState.RUNNING, 1, 3, 1, "w",
            null, null, 0, null, null, null);

    @Test
    void a_storage_error_while_the_store_does_not_answer_is_an_outage_that_uses_up_no_attempt() {
        AttemptFailure f = AttemptFailure.of(new TaskRun(TASK),
                new StorageException("upload videos/x failed", new ConnectException("Connection refused"), false), () -> false);
        assertEquals("STORAGE_UNAVAILABLE", f.code());
        assertFalse(f.counted());
        assertTrue(f.reason().startsWith("STORAGE_UNAVAILABLE: StorageException: upload videos/x failed"), f.reason());
    }

    @Test
    void a_storage_error_while_the_store_answers_is_the_tasks_own_and_counts() {
        StorageException e = new StorageException("put denied", null, false);
        assertTrue(AttemptFailure.of(new TaskRun(TASK), e, () -> true).counted());
        assertEquals("ERROR", AttemptFailure.of(new TaskRun(TASK), e, () -> true).code());
        StorageException missing = new StorageException("raw/x not found", null, true);
        assertTrue(AttemptFailure.of(new TaskRun(TASK), missing, () -> false).counted(), "a missing object is no outage");
    }

    @Test
    void a_watchdog_kill_is_named_for_what_the_watchdog_saw_and_counts() {
        AttemptFailure stalled = AttemptFailure.of(new TaskRun(TASK), new IOException("encode failed",
                new ProcessAbortedException(ProcessAbortedException.Reason.STALLED, "ffmpeg made no progress for PT5S", "")),
                () -> true);
        assertEquals("FFMPEG_STALLED", stalled.code());
        assertTrue(stalled.counted());
        assertEquals("TRANSCODE_FAILED", stalled.exhaustedCode());
        AttemptFailure cancelled = AttemptFailure.of(new TaskRun(TASK),
                new ProcessAbortedException(ProcessAbortedException.Reason.CANCELLED, "ffmpeg cancelled", ""), () -> true);
        assertEquals("ERROR", cancelled.code(), "a cancellation is the worker's own doing, not ffmpeg's");
    }

    @Test
    void an_attempt_the_worker_aborted_for_its_scratch_space_keeps_that_reason_whatever_the_handler_threw() {
        TaskRun run = new TaskRun(TASK);
        assertTrue(run.abort("WORK_DIR_LIMIT: the work directory of w reached 9 bytes"));
        assertTrue(run.cancelled());
        assertFalse(run.abort("WORK_DIR_LIMIT: again"), "aborted once");
        AttemptFailure f = AttemptFailure.of(run, new InterruptedException("cancelled"), () -> true);
        assertEquals("WORK_DIR_LIMIT", f.code());
        assertEquals("WORK_DIR_LIMIT", f.exhaustedCode());
        assertTrue(f.counted());
        assertEquals("WORK_DIR_LIMIT: the work directory of w reached 9 bytes", f.reason());
    }
}
