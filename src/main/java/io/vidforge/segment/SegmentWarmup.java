package io.vidforge.segment;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.http.ServerOptions;
import io.vidforge.events.Events;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Compiles the cached-hit path before real traffic does ({@code SEGMENT_WARMUP_SECONDS}, docs/segment-service.md).
 *
 * <p>A fresh JVM serves cached segments at about half its warm rate for its first minute of load: the
 * JIT compiles Helidon's HTTP/1 handling and the body writes while it serves, and in {@code ./run.sh up}
 * it also compiles every other role's loops (docs/performance.md, issue 22). The warm-up runs, once, right
 * after the node starts listening: a private server on an ephemeral loopback port, configured like the
 * node's ({@link ServerOptions#connectionSettings}), answers a few keep-alive connections from this JVM with a
 * segment-sized and a playlist-sized object through {@link BodyWriter}, as a hit is answered, for at most
 * the bound. It writes no SERVE lines and counts in no metrics; the node is healthy meanwhile (the
 * warm-up only competes for CPU with the first requests). Logged as {@code SEGMENT_WARMUP}.
 */
final class SegmentWarmup implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SegmentWarmup.class.getName());
    /** Connections the warm-up drives: enough for contention on the write path, few enough to stay cheap. */
    static final int CONNECTIONS = 4;
    /** The requests after which C2 has compiled the path (Tier4 thresholds are ~15,000 invocations). */
    static final int MAX_REQUESTS = 30_000;
    /** Segment-sized: head, one whole 256 KiB chunk and a cut one, as the cache holds a segment. */
    private static final CachedBytes SEGMENT = CachedBytes.copyOf(pattern(CachedBytes.HEAD_BYTES
            + CachedBytes.CHUNK_BYTES + 40_000));
    /** Playlist-sized: one send with the headers. */
    private static final CachedBytes PLAYLIST = CachedBytes.copyOf(pattern(900));

    private final Duration bound;
    private final Events events;
    private volatile boolean stopped;
    private volatile Thread thread;

    SegmentWarmup(Duration bound, Events events) {
        this.bound = bound;
        this.events = events;
    }

    /** What a warm-up did. */
    record Result(long requests, long bytes, Duration took) {
    }

    /** Starts the warm-up in the background (nothing if the bound is zero). */
    void start() {
        if (bound.isZero()) {
            return;
        }
        thread = Thread.ofPlatform().name("segment-warmup").daemon().start(() -> {
            try {
                Result r = run();
                events.event("SEGMENT_WARMUP").with("requests", r.requests()).with("bytes", r.bytes())
                        .with("duration_ms", r.took().toMillis()).with("bound_ms", bound.toMillis())
                        .with("stopped", stopped ? true : null).emit();
            } catch (RuntimeException e) {
                // A warm-up that fails costs only speed: the node serves as before.
                LOG.log(Level.WARNING, "segment warm-up failed; serving unwarmed", e);
            }
        });
    }

    /** Runs the warm-up on the calling thread until the bound, {@link #MAX_REQUESTS} or {@link #close()}. */
    Result run() {
        long t0 = System.nanoTime();
        long deadline = t0 + bound.toNanos();
        WebServer server = ServerOptions.connectionSettings(WebServer.builder())
                .shutdownHook(false)
                .host("127.0.0.1")
                .port(0)
                .shutdownGracePeriod(Duration.ofMillis(100))
                .routing(r -> r.get("/w/{file}", SegmentWarmup::answer))
                .build()
                .start();
        AtomicLong requests = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        try {
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(Thread.ofVirtual().name("segment-warmup-client-" + i)
                        .start(() -> drive(server.port(), deadline, requests, bytes)));
            }
            for (Thread c : clients) {
                c.join(Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis() + 5_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.stop();
        }
        return new Result(requests.get(), bytes.get(), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Answers as a cached hit is answered: the playback headers, then the body through BodyWriter. */
    private static void answer(ServerRequest req, ServerResponse res) {
        boolean segment = req.path().pathParameters().get("file").startsWith("seg");
        CachedBytes body = segment ? SEGMENT : PLAYLIST;
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        res.header(PlaybackRoutes.X_NODE_ID, "warmup");
        ByteRange range = ByteRange.parse(req.headers().contains(HeaderNames.RANGE)
                ? req.headers().get(HeaderNames.RANGE).get() : null, body.length());
        res.header(PlaybackRoutes.X_CACHE, CacheOutcome.HIT.cacheHeader());
        SentBody sent = BodyWriter.write(res, segment ? FileKind.SEGMENT : FileKind.PLAYLIST, body, range, false,
                Optional.empty());
        sent.closeIfCutShort();
    }

    /** One keep-alive connection: three segments to one playlist, each response read to its last byte. */
    private void drive(int port, long deadline, AtomicLong requests, AtomicLong bytes) {
        byte[] segment = "GET /w/seg_00001.m4s HTTP/1.1\r\nHost: warmup\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] playlist = "GET /w/index.m3u8 HTTP/1.1\r\nHost: warmup\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[64 * 1024];
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (long n = 0; !stopped && System.nanoTime() < deadline; n++) {
                if (requests.incrementAndGet() > MAX_REQUESTS) {
                    requests.decrementAndGet();
                    return;
                }
                boolean seg = n % 4 != 3;
                out.write(seg ? segment : playlist);
                long expected = (seg ? SEGMENT : PLAYLIST).length();
                long got = readResponse(in, buf);
                if (got != expected) {
                    throw new IOException("warm-up answer had " + got + " body bytes, expected " + expected);
                }
                bytes.addAndGet(got);
            }
        } catch (IOException e) {
            if (!stopped) {
                LOG.log(Level.FINE, "a warm-up connection ended early", e);
            }
        }
    }

    /** Reads one response with a Content-Length; returns its body's length. */
    static long readResponse(InputStream in, byte[] buf) throws IOException {
        // Headers: byte by byte up to the blank line (a few hundred bytes; the body is read in bulk).
        StringBuilder head = new StringBuilder(256);
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the headers");
            }
            head.append((char) b);
            last4 = (last4 << 8) | b;
        }
        long length = -1;
        for (String line : head.toString().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        if (length < 0) {
            throw new IOException("no Content-Length in a warm-up answer: " + head);
        }
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("connection closed in the body");
            }
            left -= n;
        }
        return length;
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    /** Stops a warm-up still running (a node stopping right after its start) and waits briefly for it. */
    @Override
    public void close() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
