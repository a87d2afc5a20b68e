package io.vidforge.segment;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Writes a playback answer's body from cached bytes: whole, a byte range, paced for a shaped session, or
 * headers only for HEAD. A client that goes away mid-body is not an error here (see {@link SentBody}).
 */
final class BodyWriter {
    /** Bodies above this are written chunk by chunk from the cache (see writeChunks); smaller ones in one send. */
    static final int DIRECT_WRITE_BYTES = CachedBytes.SINGLE_CHUNK_BYTES;

    private BodyWriter() {
    }

    /** The headers every playback body carries: its type, how long it may be cached, and byte ranges. */
    static void fileHeaders(ServerResponse res, FileKind kind) {
        res.header(HeaderNames.CONTENT_TYPE, kind.contentType());
        res.header(HeaderNames.CACHE_CONTROL, kind.cacheControl());
        res.header(HeaderNames.ACCEPT_RANGES, "bytes");
    }

    static SentBody write(ServerResponse res, FileKind kind, CachedBytes body, ByteRange range, boolean head,
                          Optional<SessionShaper.Pacer> pacer) {
        fileHeaders(res, kind);
        int offset = 0;
        int length = body.length();
        if (range instanceof ByteRange.Part p) {
            res.status(Status.PARTIAL_CONTENT_206);
            res.header(HeaderNames.CONTENT_RANGE, p.contentRange());
            offset = (int) p.first();
            length = (int) p.size();
        }
        if (head) {
            res.contentLength(length);
            res.send();
            return SentBody.whole(0);
        } else if (pacer.isPresent()) {
            return SessionShaper.write(res, body, offset, length, pacer.get());
        } else if (length > DIRECT_WRITE_BYTES) {
            return writeChunks(res, body, offset, length);
        }
        try {
            res.send(body.copyRange(offset, length));
            return SentBody.whole(length);
        } catch (RuntimeException e) {
            if (!SentBody.clientGone(e)) {
                throw e;
            }
            return SentBody.cutShort(0, e); // one write with the headers: how much arrived is unknown
        }
    }

    /**
     * A large cached body goes to the socket from the cached chunks themselves. {@code send(byte[])}
     * copies the whole entity into a fresh buffer behind the headers: for a ~1.5 MB segment that is a
     * humongous allocation and a copy per response, which made the node GC-bound under load
     * (docs/performance.md). Through the output stream only the first chunk (8 KiB) travels with the
     * headers; every further chunk is one socket write from its own array.
     */
    static SentBody writeChunks(ServerResponse res, CachedBytes body, int offset, int length) {
        res.contentLength(length);
        ResponseOutput out = ResponseOutput.open(res);
        try (out) {
            body.writeTo(out, offset, length);
        } catch (IOException | RuntimeException e) {
            if (!SentBody.clientGone(e)) {
                throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
            }
            return SentBody.cutShort(out.written(), e);
        }
        return SentBody.whole(length);
    }
}
