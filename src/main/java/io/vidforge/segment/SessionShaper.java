package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Server-side network shaping per playback session, so adaptive bitrate can be shown in any browser
 * (Safari included) without developer tools: the segment node writes a capped session's playlists, init
 * and media segments no faster than its cap.
 *
 * <p>The cap belongs to the session, not to one response: every response of the session takes its
 * slices from one {@link Pacer}, so two parallel requests share the cap instead of getting it twice.
 * There is no burst credit beyond 100 ms of scheduling jitter: a session that was idle does not get a
 * faster start, because a player would read that as bandwidth it does not have. A change of cap
 * (including its removal) applies to responses already being written, from their next slice on. Caps
 * live on the node that serves the session (nginx keeps a session on one node) and lapse after 30 idle
 * minutes.
 */
final class SessionShaper {
    /** Pacing granularity: about 20 writes a second keeps the rate smooth without busy writes. */
    private static final int SLICES_PER_SECOND = 20;
    private static final int MIN_SLICE = 1024;
    /** How far a late writer may fall behind its schedule and still catch up (scheduling jitter). */
    private static final long CATCH_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Cache<String, Pacer> pacers = CacheBuilder.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(30))
            .maximumSize(100_000)
            .build();

    /** Caps the session at {@code kbps} kilobits per second; 0 removes the cap. */
    void cap(String session, long kbps) {
        if (kbps <= 0) {
            Pacer p = pacers.asMap().remove(session);
            if (p != null) {
                p.rate(0);
            }
        } else {
            pacers.asMap().computeIfAbsent(session, s -> new Pacer()).rate(kbps * 1000 / 8);
        }
    }

    /** The session's pacer while it is capped. */
    Optional<Pacer> pacer(String session) {
        return Optional.ofNullable(pacers.getIfPresent(session));
    }

    /** One session's cap: hands out consecutive time slots for its bytes. */
    static final class Pacer {
        private long bytesPerSecond;
        private long nextFree = System.nanoTime();

        synchronized void rate(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        synchronized long rate() {
            return bytesPerSecond;
        }

        /**
         * Reserves the next slot for {@code n} bytes: {@code {start, end}} in {@link System#nanoTime()}, or
         * null when the session is no longer capped.
         */
        synchronized long[] reserve(int n) {
            if (bytesPerSecond <= 0) {
                return null;
            }
            long now = System.nanoTime();
            // A writer that woke late may catch up on a slot it just missed; a longer gap is idle time,
            // which earns no credit.
            long start = nextFree >= now - CATCH_UP_NANOS ? nextFree : now;
            nextFree = start + (long) (n * 1e9 / bytesPerSecond);
            return new long[] {start, nextFree};
        }
    }

    /**
     * Writes {@code length} bytes from {@code offset} at the pace of the session's cap: each slice is
     * written at the start of its slot, and the response ends at the end of the last slot, as on a link of
     * that speed.
     *
     * @return the bytes written, and whether the client went away first (players abandon slow downloads:
     *     that is adaptive bitrate at work, not an error)
     */
    static SentBody write(ServerResponse res, CachedBytes body, int offset, int length, Pacer pacer) {
        res.contentLength(length);
        ResponseOutput out = ResponseOutput.open(res);
        try (out) {
            int sent = 0;
            long lastEnd = 0;
            while (sent < length) {
                long rate = pacer.rate();
                int n = Math.min(length - sent, (int) Math.max(MIN_SLICE, rate / SLICES_PER_SECOND));
                long[] slot = rate > 0 ? pacer.reserve(n) : null;
                if (slot == null) {
                    // The cap was removed while this response was being written: the rest goes at once.
                    body.writeTo(out, offset + sent, length - sent);
                    sent = length;
                    lastEnd = 0;
                    break;
                }
                sleepUntil(slot[0]);
                body.writeTo(out, offset + sent, n);
                out.flush();
                sent += n;
                lastEnd = slot[1];
            }
            sleepUntil(lastEnd);
        } catch (IOException | RuntimeException e) {
            if (!SentBody.clientGone(e)) {
                throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
            }
            return SentBody.cutShort(out.written(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SentBody.cutShort(out.written(), e);
        }
        return SentBody.whole(length);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            // Pacing is the point here: the response is meant to take this long.
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
