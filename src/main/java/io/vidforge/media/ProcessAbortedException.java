package io.vidforge.media;

import java.io.IOException;

/**
 * The runner killed the process. Every reason is worth a retry on another attempt except
 * {@link Reason#CANCELLED}, where the caller asked for it (the lease is gone, nobody wants the result).
 */
public final class ProcessAbortedException extends IOException {
    public enum Reason { TIMED_OUT, STALLED, CANCELLED }

    private final Reason reason;
    private final String stderrTail;

    public ProcessAbortedException(Reason reason, String message, String stderrTail) {
        super(message + (stderrTail.isBlank() ? "" : "; stderr: " + stderrTail));
        this.reason = reason;
        this.stderrTail = stderrTail;
    }

    public Reason reason() {
        return reason;
    }

    public String stderrTail() {
        return stderrTail;
    }
}
