package io.vidforge.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * The test hosts' way to the database or S3 with latency (./run.sh net NODE delay MS JITTER): a TCP relay
 * in the switch namespace, listening on the service's address and passing every byte on to a UNIX socket,
 * each chunk held back by the delay of the host it comes from or goes to (one way each: a round trip costs
 * twice). Needed because this kernel has no sch_netem. The delays are read from a file of
 * "SOURCE_IP DELAY_MS JITTER_MS" lines whenever it changes, so ./run.sh net changes them without a restart.
 * Order is kept: a chunk is never sent before the one read before it, whatever the jitter drew.
 * {@code java -cp vidforge.jar io.vidforge.tools.SlowLink IP PORT UNIX_SOCKET DELAYS_FILE}
 */
public final class SlowLink {
    private static final Logger LOG = Logger.getLogger(SlowLink.class.getName());
    private static final byte[] END = new byte[0];

    private record Delay(long millis, long jitter) {
        static final Delay NONE = new Delay(0, 0);

        long draw() {
            return jitter <= 0 ? millis : Math.max(0, millis + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1));
        }
    }

    private record Chunk(long sendAtNanos, byte[] bytes) {
    }

    private final Path target;
    private final Path delaysFile;
    private volatile Map<String, Delay> delays = Map.of();
    private long delaysModified = -1;

    private SlowLink(Path target, Path delaysFile) {
        this.target = target;
        this.delaysFile = delaysFile;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SlowLink LISTEN_IP PORT UNIX_SOCKET DELAYS_FILE");
            System.exit(2);
        }
        SlowLink link = new SlowLink(Path.of(args[2]), Path.of(args[3]));
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])), 128);
            Thread.ofPlatform().daemon().name("slowlink-delays").start(link::watchDelays);
            System.out.println("SlowLink listening on " + args[0] + ":" + args[1] + " -> " + args[2]);
            while (true) {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> link.relay(client));
            }
        }
    }

    private void watchDelays() {
        while (true) {
            try {
                long m = Files.exists(delaysFile) ? Files.getLastModifiedTime(delaysFile).toMillis() : 0;
                if (m != delaysModified) {
                    delaysModified = m;
                    Map<String, Delay> next = new ConcurrentHashMap<>();
                    if (m != 0) {
                        for (String line : Files.readAllLines(delaysFile)) {
                            String[] f = line.trim().split("\\s+");
                            if (f.length == 3) {
                                next.put(f[0], new Delay(Long.parseLong(f[1]), Long.parseLong(f[2])));
                            }
                        }
                    }
                    delays = next;
                    LOG.info("delays now " + next);
                }
                Thread.sleep(200);
            } catch (IOException | RuntimeException e) {
                LOG.warning("cannot read " + delaysFile + ": " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        String from = client.getInetAddress().getHostAddress();
        try (client; SocketChannel upstream = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            upstream.connect(UnixDomainSocketAddress.of(target));
            client.setTcpNoDelay(true);
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            Thread up = Thread.ofVirtual().start(() -> pump(from, fromClient::read, bytes -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    upstream.write(b);
                }
            }, () -> shutdownOutput(upstream)));
            pump(from, buf -> upstream.read(ByteBuffer.wrap(buf)), toClient::write, () -> shutdownOutput(client));
            up.join();
        } catch (IOException e) {
            LOG.fine("relay from " + from + " ended: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    private interface Reader {
        int read(byte[] buf) throws IOException;
    }

    @FunctionalInterface
    private interface Writer {
        void write(byte[] bytes) throws IOException;
    }

    /** Reads chunks as they come and writes each once its delay has passed, in order. */
    private void pump(String host, Reader source, Writer sink, Runnable onEnd) {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Chunk c = queue.take();
                    long wait = c.sendAtNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    if (c.bytes() == END) {
                        onEnd.run();
                        return;
                    }
                    sink.write(c.bytes());
                }
            } catch (IOException | InterruptedException e) {
                onEnd.run();
            }
        });
        long last = 0;
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = source.read(buf)) >= 0) {
                if (n == 0) {
                    continue;
                }
                last = Math.max(last, System.nanoTime() + delays.getOrDefault(host, Delay.NONE).draw() * 1_000_000);
                queue.add(new Chunk(last, Arrays.copyOf(buf, n)));
            }
        } catch (IOException e) {
            // the other side went away: end this direction too
        }
        queue.add(new Chunk(last, END));
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void shutdownOutput(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void shutdownOutput(SocketChannel c) {
        try {
            c.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }
}
