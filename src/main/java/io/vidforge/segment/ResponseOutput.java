package io.vidforge.segment;

import io.helidon.webserver.http.ServerResponse;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A response body stream that hands Helidon only writes starting at index 0 of their array.
 *
 * <p>Helidon 4.4.0 on blocking sockets ({@code use-nio: false}, which {@code Node} sets) wraps
 * {@code write(b, off, len)} in a buffer whose {@code writeTo(OutputStream)} passes the end position
 * where the length belongs ({@code FixedBufferData}: {@code out.write(bytes, readPosition,
 * writePosition)}). With {@code off > 0}, a write that bypasses the response's small internal buffer
 * (4 KiB) then fails with {@code IndexOutOfBoundsException}, or sends {@code off} bytes too many if the
 * array is long enough. A range that does not start at 0 is therefore copied into an array of its own
 * first; whole arrays (the cache's chunks, see {@link CachedBytes}) go through as they are.
 */
final class ResponseOutput extends FilterOutputStream {
    private long written;

    private ResponseOutput(OutputStream out) {
        super(out);
    }

    /** The response's body stream; set the status and headers (Content-Length included) first. */
    static ResponseOutput open(ServerResponse res) {
        return new ResponseOutput(res.outputStream());
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        written++;
    }

    @Override
    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (off == 0) {
            out.write(b, 0, len);
        } else {
            out.write(Arrays.copyOfRange(b, off, off + len), 0, len);
        }
        written += len;
    }

    /**
     * Body bytes handed to the socket so far. Once a write has returned, its bytes are in the socket's
     * send buffer, not necessarily at the client: after a broken connection this is an upper bound.
     */
    long written() {
        return written;
    }
}
