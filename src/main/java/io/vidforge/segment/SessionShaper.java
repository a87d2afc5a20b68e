package io.vidforge.segment;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Server-side network shaping per playback session, so adaptive bitrate can be shown in any browser
 * (Safari included) without developer tools: a session's segment bodies are written at its cap. Caps
 * live on the node that serves the session (nginx keeps a session on one node) and lapse after 30
 * idle minutes.
 */
final class SessionShaper {
    /** Pacing granularity: about 20 writes a second keeps the rate smooth without busy writes. */
    private static final int SLICES_PER_SECOND = 20;

    private final Cache<String, Long> bytesPerSecond = CacheBuilder.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(30))
            .maximumSize(100_000)
            .build();

    void cap(String session, long kbps) {
        if (kbps <= 0) {
            bytesPerSecond.invalidate(session);
        } else {
            bytesPerSecond.put(session, kbps * 1000 / 8);
        }
    }

    OptionalLong rate(String session) {
        Long r = bytesPerSecond.getIfPresent(session);
        return r == null ? OptionalLong.empty() : OptionalLong.of(r);
    }

    /** Writes {@code length} bytes from {@code offset} no faster than {@code rate} bytes per second. */
    static void write(ServerResponse res, byte[] body, int offset, int length, long rate) {
        res.contentLength(length);
        int slice = (int) Math.max(1024, rate / SLICES_PER_SECOND);
        long start = System.nanoTime();
        try (OutputStream out = res.outputStream()) {
            int sent = 0;
            while (sent < length) {
                int n = Math.min(slice, length - sent);
                out.write(body, offset + sent, n);
                out.flush();
                sent += n;
                long due = start + (long) (sent * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    // Pacing is the point here: the response is meant to take this long.
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
