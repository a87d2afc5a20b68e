package io.vidforge.tasks;

/**
 * WAITING: planned, dependencies not done. READY: claimable once {@code next_run_at} has passed.
 * RUNNING: leased to an owner until {@code lease_expires_at}. DONE and FAILED are final.
 */
public enum TaskState {
    WAITING, READY, RUNNING, DONE, FAILED
}
