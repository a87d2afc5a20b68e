package io.vidforge.segment;

import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What writing a response body came to: the bytes handed to the socket and, if the client went away
 * before the end (a player abandoning a download, a load generator stopping), why. An abandoned response
 * is still logged as SERVE, with {@code "aborted":true} and the bytes it got to.
 */
record SentBody(long bytes, RuntimeException cutShort) {
    static SentBody whole(long bytes) {
        return new SentBody(bytes, null);
    }

    static SentBody cutShort(long bytes, Exception cause) {
        return new SentBody(bytes, cause instanceof CloseConnectionException c ? c
                : new ServerConnectionException("client went away mid-body after " + bytes + " bytes", cause));
    }

    /** Whether {@code e}, thrown while writing a body, means the connection is gone. */
    static boolean clientGone(Exception e) {
        return e instanceof IOException || e instanceof UncheckedIOException || e instanceof CloseConnectionException;
    }

    boolean complete() {
        return cutShort == null;
    }

    /**
     * After the SERVE line: a cut-short response ends its connection the way Helidon expects (a
     * CloseConnectionException closes it quietly, instead of a stack trace for every abandoned download).
     */
    void closeIfCutShort() {
        if (cutShort != null) {
            throw cutShort;
        }
    }
}
