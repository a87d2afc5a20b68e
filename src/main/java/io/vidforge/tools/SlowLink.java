package io.vidforge.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
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
 * Latency for the test hosts (./run.sh net NODE delay MS JITTER), made in user space because this kernel
 * has no sch_netem: a TCP relay that passes every byte on, each chunk held back by the delay of the peer
 * it comes from or goes to (one way each: a round trip costs twice). Two places use it:
 * <ul>
 *   <li>in the switch namespace, on the database's and S3's addresses, passing on to the root namespace's
 *       UNIX socket (every test host's way to them goes through it anyway);</li>
 *   <li>in a node's own namespace, on an alias address the node's inbound connections from nginx or
 *       another host are diverted to (iptables DNAT, only while a delay is set), passing on to the node's
 *       own address and port.</li>
 * </ul>
 * The delays are read from a file of "PEER_IP DELAY_MS JITTER_MS" lines (PEER_IP {@code *}: every peer
 * without a line of its own) whenever it changes, so ./run.sh net changes them without a restart. It is
 * connection-level, not packet-level: a chunk is what one read returned, and a chunk is never sent before
 * the one read before it, whatever the jitter drew, so jitter never reorders bytes (TCP would not let it
 * either). Loss is not made here: iptables drops real packets (TCP then retransmits).
 * {@code java -cp vidforge.jar io.vidforge.tools.SlowLink LISTEN_IP PORT TARGET DELAYS_FILE}, TARGET a
 * UNIX socket path or HOST:PORT.
 */
public final class SlowLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SlowLink.class.getName());
    private static final byte[] END = new byte[0];
    private static final String ANY_PEER = "*";

    private record Delay(long millis, long jitter) {
        static final Delay NONE = new Delay(0, 0);

        long draw() {
            return jitter <= 0 ? millis : Math.max(0, millis + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1));
        }
    }

    private record Chunk(long sendAtNanos, byte[] bytes) {
    }

    private final SocketAddress target;
    private final ProtocolFamily family;
    private final Path delaysFile;
    private final ServerSocket server;
    private volatile Map<String, Delay> delays = Map.of();
    private long delaysModified = -1;
    private long delaysSize = -1;

    private SlowLink(ServerSocket server, String target, Path delaysFile) {
        this.server = server;
        this.delaysFile = delaysFile;
        int colon = target.lastIndexOf(':');
        if (target.startsWith("/") || colon < 0) {
            this.target = UnixDomainSocketAddress.of(target);
            this.family = StandardProtocolFamily.UNIX;
        } else {
            this.target = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
            this.family = StandardProtocolFamily.INET;
        }
    }

    /**
     * Listens on {@code listenIp:port} and relays to {@code target} (a UNIX socket path or HOST:PORT) with
     * the delays of {@code delaysFile}, already read once when this returns.
     */
    public static SlowLink start(String listenIp, int port, String target, Path delaysFile) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(listenIp), port), 128);
        SlowLink link = new SlowLink(server, target, delaysFile);
        link.readDelays();
        Thread.ofPlatform().daemon().name("slowlink-delays").start(link::watchDelays);
        Thread.ofPlatform().daemon().name("slowlink-accept").start(link::accept);
        return link;
    }

    public int port() {
        return server.getLocalPort();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SlowLink LISTEN_IP PORT TARGET(UNIX_SOCKET|HOST:PORT) DELAYS_FILE");
            System.exit(2);
        }
        SlowLink link = start(args[0], Integer.parseInt(args[1]), args[2], Path.of(args[3]));
        System.out.println("SlowLink listening on " + args[0] + ":" + args[1] + " -> " + args[2]);
        Thread.currentThread().join(); // until killed
        link.close();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> relay(client));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warning("accept failed: " + e);
                }
            }
        }
    }

    private void watchDelays() {
        while (!server.isClosed()) {
            try {
                readDelays();
                Thread.sleep(100);
            } catch (IOException | RuntimeException e) {
                LOG.warning("cannot read " + delaysFile + ": " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads the file again when its time or size changed (a rewrite within one clock tick changes the size). */
    private synchronized void readDelays() throws IOException {
        boolean exists = Files.exists(delaysFile);
        long m = exists ? Files.getLastModifiedTime(delaysFile).toMillis() : 0;
        long size = exists ? Files.size(delaysFile) : -2;
        if (m == delaysModified && size == delaysSize) {
            return;
        }
        delaysModified = m;
        delaysSize = size;
        Map<String, Delay> next = new ConcurrentHashMap<>();
        if (exists) {
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

    private Delay delayOf(String peer) {
        Map<String, Delay> d = delays;
        Delay own = d.get(peer);
        return own != null ? own : d.getOrDefault(ANY_PEER, Delay.NONE);
    }

    private void relay(Socket client) {
        String from = client.getInetAddress().getHostAddress();
        try (client; SocketChannel upstream = SocketChannel.open(family)) {
            if (family == StandardProtocolFamily.INET) {
                upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            upstream.connect(target);
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
    private void pump(String peer, Reader source, Writer sink, Runnable onEnd) {
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
                last = Math.max(last, System.nanoTime() + delayOf(peer).draw() * 1_000_000);
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

    @Override
    public void close() throws IOException {
        server.close();
    }
}
