package io.vidforge.cluster;

import io.vidforge.testing.ClusterHarness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server of the test's own, so the test can stop and start it: never the machine's shared
 * server on 5432, which other tests and people use. {@code initdb} into a temporary directory (trust
 * authentication, superuser {@code postgres}), {@code pg_ctl} on a free loopback port with its socket in
 * that directory. PostgreSQL refuses to run as root, so as root every command runs as the
 * {@code postgres} user through {@code runuser}. {@link #close()} stops it and removes the directory.
 * Durability is off (fsync, synchronous commit): a clean stop writes everything, and a test instance
 * has no use for crash safety.
 */
final class PrivatePostgres implements AutoCloseable {
    private static final long COMMAND_SECONDS = 120;

    private final Path bin;
    private final Path home;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;
    private boolean running;
    private final Thread shutdownHook = new Thread(this::close, "private-postgres");

    private PrivatePostgres(Path bin, Path home, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.home = home;
        this.data = home.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** initdb + start, or a skip (a failure under CI=true) naming what is missing. */
    static PrivatePostgres start() throws IOException, InterruptedException {
        Path bin = serverBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && !Files.isExecutable(Path.of("/usr/sbin/runuser"))) {
            prerequisite("runuser (util-linux), to run PostgreSQL as the postgres user");
        }
        Path home = Files.createTempDirectory("vidforge-pg-");
        if (root) {
            UserPrincipal postgres = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(home, postgres);
        }
        PrivatePostgres pg = new PrivatePostgres(bin, home, freePort(), root);
        Runtime.getRuntime().addShutdownHook(pg.shutdownHook); // the test JVM dying must not leave it running
        try {
            pg.command("initdb", "-D", pg.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--no-locale", "--no-sync");
            pg.startServer();
            return pg;
        } catch (IOException | RuntimeException | Error e) {
            pg.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** The JDBC URL of a database on this server ({@code postgres} exists from initdb). */
    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** The postmaster's PID (first line of postmaster.pid). */
    long pid() throws IOException {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    }

    /** {@code pg_ctl start -w}: returns once it accepts connections. */
    void startServer() throws IOException, InterruptedException {
        command("pg_ctl", "start", "-w", "-t", "60", "-D", data.toString(), "-l", home.resolve("server.log").toString(),
                "-o", "-p " + port + " -k " + home + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off");
        running = true;
    }

    /**
     * {@code pg_ctl stop -m fast -w}: every session is disconnected and the server shuts down cleanly, as
     * a restart by an operator does; returns once the port refuses connections.
     */
    void stopServer() throws IOException, InterruptedException {
        command("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", data.toString());
        running = false;
    }

    boolean accepting() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String serverLog() {
        try {
            return Files.readString(home.resolve("server.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public synchronized void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
        try {
            if (running || Files.exists(data.resolve("postmaster.pid"))) {
                command("pg_ctl", "stop", "-w", "-t", "60", "-m", "immediate", "-D", data.toString());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the private PostgreSQL in " + home + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        ClusterHarness.deleteTree(home);
    }

    private void command(String program, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgresUser) {
            cmd.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
        }
        cmd.add(bin.resolve(program).toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("vidforge-pg-cmd-", ".log");
        try {
            // Output to a file: pg_ctl start leaves the server holding inherited pipes otherwise.
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + COMMAND_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): "
                        + Files.readString(out, StandardCharsets.UTF_8) + "\n" + serverLog());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The newest installed server's bin directory (Debian: /usr/lib/postgresql/VERSION/bin). */
    private static Path serverBinaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                List<Path> bins = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .sorted(Comparator.comparing((Path b) -> versionOf(b.getParent()))).toList();
                if (!bins.isEmpty()) {
                    return bins.get(bins.size() - 1);
                }
            }
        }
        prerequisite("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb and pg_ctl; apt-get install postgresql)");
        throw new AssertionError("unreachable");
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString().replaceAll("\\..*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void prerequisite(String what) {
        String msg = "the database restart test needs " + what;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(msg + " (CI=true: a missing prerequisite fails)");
        }
        Assumptions.abort(msg);
    }

    /** A free loopback port below the ephemeral range, as the cluster harness picks its own. */
    private static int freePort() throws IOException {
        Random random = new Random();
        for (int tries = 0; tries < 10_000; tries++) {
            int p = 20_000 + random.nextInt(12_000);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-31999");
    }

    @Override
    public String toString() {
        return "private PostgreSQL on 127.0.0.1:" + port + " (" + home + ")";
    }
}
