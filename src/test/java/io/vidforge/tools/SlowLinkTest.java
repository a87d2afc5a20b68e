package io.vidforge.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay ./run.sh net's latency is made with (no sch_netem here): every chunk held back by its peer's
 * delay each way, changed live through the delays file, in order whatever the jitter drew. On the
 * loopback, with an echo server behind it.
 */
class SlowLinkTest {
    @TempDir
    Path dir;
    private ServerSocket echo;
    private SlowLink link;
    private Path delays;

    @BeforeEach
    void setUp() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // client gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        delays = dir.resolve("delays");
        Files.writeString(delays, "");
        link = SlowLink.start("127.0.0.1", 0, "127.0.0.1:" + echo.getLocalPort(), delays);
    }

    @AfterEach
    void tearDown() throws IOException {
        link.close();
        echo.close();
    }

    /** One byte there and back through the relay, in milliseconds. */
    private static long roundTrip(Socket s) throws IOException {
        long t0 = System.nanoTime();
        s.getOutputStream().write(7);
        s.getOutputStream().flush();
        assertEquals(7, s.getInputStream().read());
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void a_round_trip_pays_the_peers_delay_each_way_and_a_new_delay_applies_without_a_restart() throws Exception {
        try (Socket s = connect()) {
            long before = roundTrip(s);
            Files.writeString(delays, "127.0.0.1 150 0\n");
            long delayed = Await.value(Duration.ofSeconds(10), "the delay to apply", () -> {
                try {
                    long ms = roundTrip(s);
                    return ms >= 300 ? ms : null;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            assertTrue(delayed < 3_000, "150 ms each way: " + delayed + " ms");
            Files.writeString(delays, "10.77.9.9 500 0\n"); // another peer's delay: not ours
            Await.until(Duration.ofSeconds(10), "the delay gone again", () -> {
                try {
                    return roundTrip(s) < 150;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            System.out.println("[measured] SlowLinkTest: round trip " + before + " ms without, " + delayed
                    + " ms with 150 ms each way");
        }
    }

    @Test
    void the_star_line_delays_every_peer_without_a_line_of_its_own() throws Exception {
        Files.writeString(delays, "* 120 0\n");
        try (Socket s = connect()) {
            Await.until(Duration.ofSeconds(10), "the default delay", () -> {
                try {
                    return roundTrip(s) >= 240;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    @Test
    void jitter_never_reorders_the_bytes_of_a_connection() throws Exception {
        Files.writeString(delays, "127.0.0.1 30 25\n"); // 5 to 55 ms each way, drawn per chunk
        try (Socket probe = connect()) {
            Await.until(Duration.ofSeconds(10), "the jittered delay to apply", () -> {
                try {
                    return roundTrip(probe) >= 10;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
        byte[] sent = new byte[4000];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31 + i / 256);
        }
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < sent.length; i += 40) {
                        out.write(sent, i, 40); // many small chunks, each drawing its own delay
                        out.flush();
                        Thread.sleep(1);
                    }
                    s.shutdownOutput();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            InputStream in = s.getInputStream();
            byte[] got = in.readAllBytes();
            writer.join(10_000);
            assertArrayEquals(sent, got);
        }
    }
}
