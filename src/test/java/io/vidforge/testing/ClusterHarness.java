package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.db.Sql;
import io.vidforge.json.Json;
import io.vidforge.storage.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real cluster for tests, run through {@code ./run.sh cluster} exactly as a user runs it: every node, the
 * S3 server and nginx are separate processes, on PostgreSQL, on ports, a data directory and a database of
 * its own, so it never meets a user's cluster on 8080 nor another test's.
 *
 * <p>Build-independent: the nodes run from the test JVM's class path (main classes packed into a jar
 * under {@code target/}, so each node can keep a class-data archive) via {@code VIDFORGE_CLASSPATH}.
 * Every process it started is stopped in {@link #close()} through {@code ./run.sh stop}, then by PID if
 * one survived, and the database is dropped; a JVM shutdown hook does the same if the tests die first.
 */
public final class ClusterHarness implements ClusterView, AutoCloseable {
    public record NodeSpec(String id, String role, int port) {
    }

    /** One line of nginx's access log (DATA_DIR/nginx/access.jsonl). */
    public record Access(double msec, String method, String uri, String session, int status, String upstream,
                         String upstreamStatus, String node) {
    }

    public record Result(int exitCode, String output) {
    }

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final java.net.http.HttpClient HEALTH_CLIENT = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

    private final String name;
    private final Path dataDir;
    private final Path rolesFile;
    private final String database;
    /** The cluster's database: its own on the shared server, or the one a test gave as DB_URL. */
    private final String jdbcUrl;
    private final boolean ownDatabase;
    private final int port;
    private final int s3Port;
    private final List<NodeSpec> nodes;
    private final Map<String, String> env;
    private final Set<Long> startedPids = new LinkedHashSet<>();
    private final Thread shutdownHook;
    private boolean closed;

    private ClusterHarness(String name, List<String> roles, Map<String, String> settings) throws IOException {
        this.name = name;
        this.dataDir = Files.createTempDirectory("vidforge-cluster-" + name + "-");
        this.database = "vidforge_it_" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "_"
                + UUID.randomUUID().toString().substring(0, 8);
        List<Integer> ports = freePorts(roles.size() + 2);
        this.port = ports.get(0);
        this.s3Port = ports.get(1);
        Map<String, Integer> perRole = new LinkedHashMap<>();
        List<NodeSpec> specs = new ArrayList<>();
        Map<String, String> hostOf = new LinkedHashMap<>();
        for (int i = 0; i < roles.size(); i++) {
            // "role" or "role@HOST" (roles.conf's 4th column: local, netns:NAME)
            String[] roleAndHost = roles.get(i).split("@", 2);
            String role = roleAndHost[0];
            int n = perRole.merge(role, 1, Integer::sum);
            specs.add(new NodeSpec(role + "-" + n, role, ports.get(i + 2)));
            if (roleAndHost.length == 2) {
                hostOf.put(role + "-" + n, roleAndHost[1]);
            }
        }
        this.nodes = List.copyOf(specs);
        this.rolesFile = dataDir.resolve("roles.conf");
        StringBuilder sb = new StringBuilder("# written by ClusterHarness (" + name + ")\n");
        nodes.forEach(s -> sb.append(s.id()).append(' ').append(s.role()).append(' ').append(s.port())
                .append(hostOf.containsKey(s.id()) ? " " + hostOf.get(s.id()) : "").append('\n'));
        Files.writeString(rolesFile, sb.toString());

        Map<String, String> e = new LinkedHashMap<>();
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("VIDFORGE_CLASSPATH", nodeClassPath());
        e.put("NODE_CDS_DIR", ROOT.resolve("target").resolve("cluster-cds").toString());
        e.put("DATA_DIR", dataDir.toString());
        e.put("PORT", Integer.toString(port));
        e.put("S3_PORT", Integer.toString(s3Port));
        // A test may bring its own PostgreSQL (DB_URL in settings); otherwise a database of its own here.
        this.ownDatabase = !settings.containsKey("DB_URL");
        this.jdbcUrl = settings.getOrDefault("DB_URL", "jdbc:postgresql://127.0.0.1:5432/" + database);
        e.put("DB_URL", jdbcUrl);
        e.put("DB_USER", "postgres");
        e.put("DB_PASSWORD", "");
        e.put("STOP_TIMEOUT_SECONDS", "30");
        e.put("SEGMENT_SECONDS", "2");
        e.put("DB_POOL_SIZE", "4");
        e.putAll(settings);
        this.env = Map.copyOf(e);
        this.shutdownHook = new Thread(this::stopQuietly, "cluster-harness-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a cluster with one node per entry of {@code roles} (ids role-1, role-2, … in order) and the
     * given node settings, and returns once {@code ./run.sh cluster} says every node is healthy.
     */
    public static ClusterHarness start(String name, List<String> roles, Map<String, String> settings) throws IOException {
        requirePrerequisites();
        ClusterHarness c = new ClusterHarness(name, roles, settings);
        try {
            c.startCluster();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * Test hosts (roles.conf HOST netns:NAME) need root (network namespaces), ip, iptables and socat:
     * missing, the tests that use them are skipped, except under CI=true where it fails.
     */
    public static void requireTestHosts() {
        requirePrerequisites();
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root (ip netns add)");
        }
        for (String tool : List.of("ip", "iptables", "socat")) {
            if (!onPath(tool) && !Files.isExecutable(Path.of("/usr/sbin", tool))) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            String msg = "test hosts need " + String.join(", ", missing);
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg + " (CI=true: a missing prerequisite fails)");
            }
            Assumptions.abort(msg);
        }
    }

    /** nginx and PostgreSQL: a missing one skips the cluster tests, except under CI=true where it fails. */
    public static void requirePrerequisites() {
        List<String> missing = new ArrayList<>();
        boolean nginx = Files.isExecutable(Path.of("/usr/sbin/nginx")) || onPath("nginx");
        if (!nginx) {
            missing.add("nginx (apt-get install nginx)");
        }
        try (Socket s = new Socket("127.0.0.1", 5432)) {
            s.setSoTimeout(1000);
        } catch (IOException e) {
            missing.add("PostgreSQL on 127.0.0.1:5432");
        }
        if (!onPath("psql")) {
            missing.add("psql (postgresql-client)");
        }
        if (!missing.isEmpty()) {
            String msg = "cluster tests need " + String.join(", ", missing);
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg + " (CI=true: a missing prerequisite fails)");
            }
            Assumptions.abort(msg);
        }
    }

    // ---- lifecycle ---------------------------------------------------------------------------------

    /** {@code ./run.sh cluster ROLES}: every process started and healthy, or an AssertionError with the output. */
    public void startCluster() {
        Result r = run(Duration.ofMinutes(5), "cluster", rolesFile.toString());
        recordPids();
        if (r.exitCode() != 0) {
            throw new AssertionError("./run.sh cluster failed (" + r.exitCode() + "):\n" + r.output());
        }
    }

    /** {@code ./run.sh stop}: the whole cluster, in order, each node drained. */
    public Result stopCluster() {
        Result r = run(Duration.ofMinutes(3), "stop");
        if (r.exitCode() != 0) {
            throw new AssertionError("./run.sh stop failed (" + r.exitCode() + "):\n" + r.output());
        }
        return r;
    }

    /** {@code ./run.sh kill ID}: SIGKILL. */
    public void kill(String id) {
        Result r = run(Duration.ofSeconds(30), "kill", id);
        assertEquals(0, r.exitCode(), "./run.sh kill " + id + ":\n" + r.output());
    }

    /** {@code ./run.sh start ID}: returns once the node is healthy. */
    public void startNode(String id) {
        Result r = run(Duration.ofMinutes(3), "start", id);
        recordPids();
        assertEquals(0, r.exitCode(), "./run.sh start " + id + ":\n" + r.output());
    }

    /** {@code ./run.sh stop ID}: SIGTERM, returns once the process is gone (the S3 server, nginx or a node). */
    public void stopNode(String id) {
        Result r = run(Duration.ofMinutes(2), "stop", id);
        assertEquals(0, r.exitCode(), "./run.sh stop " + id + ":\n" + r.output());
    }

    /** {@code ./run.sh stop ID} in the background: SIGTERM, the node drains; the process ends with the node. */
    public Process stopNodeAsync(String id) {
        return spawn("stop", id);
    }

    public String status() {
        Result r = run(Duration.ofSeconds(60), "status");
        assertEquals(0, r.exitCode(), r.output());
        return r.output();
    }

    public Result run(Duration timeout, String... args) {
        Process p = spawn(args);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("./run.sh " + String.join(" ", args) + " did not finish within " + timeout
                        + ":\n" + lastOutput());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return new Result(p.exitValue(), lastOutput());
    }

    private Path lastOutputFile;

    private synchronized Process spawn(String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("run.sh").toString()));
            cmd.addAll(List.of(args));
            Path out = dataDir.resolve("harness-" + String.join("-", args).replaceAll("[^A-Za-z0-9-]", "_")
                    .replaceAll("(.{60}).*", "$1") + "-" + System.nanoTime() + ".log");
            lastOutputFile = out;
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized String lastOutput() {
        try {
            return lastOutputFile == null ? "" : Files.readString(lastOutputFile);
        } catch (IOException e) {
            return "";
        }
    }

    /** Remembers every PID in RUN_DIR (and its test-host forwarders'), so close() can stop by PID what run.sh did not. */
    private synchronized void recordPids() {
        recordPids(runDir());
        recordPids(runDir().resolve("net"));
    }

    private void recordPids(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                try {
                    startedPids.add(Long.parseLong(Files.readString(f).trim()));
                } catch (IOException | NumberFormatException e) {
                    // a PID file being rewritten: the next call records it
                }
            }
        } catch (IOException e) {
            // no run dir yet
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        stopQuietly();
        if (ownDatabase) {
            try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop test database " + database + ": " + e.getMessage());
            }
        }
        keepLogs();
        if (!Boolean.getBoolean("cluster.keep")) {
            deleteTree(dataDir);
        }
    }

    /** Event logs, nginx's logs and node output go to target/cluster-logs/NAME for a look after the run. */
    private void keepLogs() {
        Path dest = ROOT.resolve("target").resolve("cluster-logs").resolve(name);
        try {
            deleteTree(dest);
            Files.createDirectories(dest);
            for (Path dir : List.of(logDir(), dataDir.resolve("nginx"), runDir(), dataDir)) {
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path f : s.filter(Files::isRegularFile).toList()) {
                        String n = f.getFileName().toString();
                        if (n.endsWith(".jsonl") || n.endsWith(".log") || n.contains(".out") || n.endsWith(".conf")) {
                            Files.copy(f, dest.resolve(dir.getFileName() + "-" + n),
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("could not keep the cluster logs: " + e.getMessage());
        }
    }

    private void stopQuietly() {
        recordPids();
        try {
            run(Duration.ofMinutes(3), "stop");
        } catch (RuntimeException | AssertionError e) {
            System.err.println("./run.sh stop failed: " + e);
        }
        for (long pid : startedPids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                if (alive(pid)) {
                    // nginx's workers are children of its master: take them with it.
                    h.children().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                }
            });
        }
        removeNamespaces();
    }

    /** Test hosts ./run.sh stop did not remove (it failed half-way): by the list run.sh keeps of them. */
    private void removeNamespaces() {
        Path list = runDir().resolve("net").resolve("namespaces");
        if (!Files.exists(list)) {
            return;
        }
        try {
            for (String ns : Files.readAllLines(list).reversed()) {
                if (!ns.isBlank()) {
                    new ProcessBuilder("ip", "netns", "del", ns.trim()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            System.err.println("could not remove test hosts: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code ./run.sh net ARGS…} (a network fault on a node's test host); fails the test if it fails. */
    public void net(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "net";
        System.arraycopy(args, 0, all, 1, args.length);
        Result r = run(Duration.ofSeconds(30), all);
        assertEquals(0, r.exitCode(), "./run.sh " + String.join(" ", all) + ":\n" + r.output());
    }

    /** The namespaces this cluster's test hosts live in, per {@code ip netns list} (none after stop). */
    public List<String> namespaces() {
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().map(l -> l.split(" ")[0]).filter(ns -> ns.startsWith(netTag())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** scripts/net.sh's net_tag: "vf" and the first five characters of cksum(DATA_DIR). */
    private String netTag() {
        try {
            Process p = new ProcessBuilder("bash", "-c", "printf '%s' \"$1\" | cksum | cut -c1-5", "_", dataDir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return "vf" + out + "-";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---- addresses and processes -------------------------------------------------------------------

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public URI nodeUri(String id, String path) {
        return URI.create("http://127.0.0.1:" + node(id).port() + path);
    }

    public int port() {
        return port;
    }

    public NodeSpec node(String id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id));
    }

    public List<NodeSpec> nodes(String role) {
        return nodes.stream().filter(n -> n.role().equals(role)).toList();
    }

    /** The node id nginx's upstream address stands for ("127.0.0.1:8401" or "10.77.2.1:8401" → "segment-1"). */
    public String nodeAt(String upstreamAddress) {
        return nodes.stream().filter(n -> upstreamAddress.trim().endsWith(":" + n.port())).map(NodeSpec::id)
                .findFirst().orElse(upstreamAddress);
    }

    /** Front door K (1-based) of a cluster started with FRONT_DOORS: nginx K on 127.0.0.1:PORT+K-1. */
    public URI uri(int frontDoor, String path) {
        return URI.create("http://127.0.0.1:" + (port + frontDoor - 1) + path);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path runDir() {
        return dataDir.resolve("run");
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }

    public Map<String, String> env() {
        return env;
    }

    public long pid(String id) {
        try {
            return Long.parseLong(Files.readString(runDir().resolve(id + ".pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the node's process runs; a killed process nobody reaped yet (a zombie) does not. */
    public boolean alive(String id) {
        Path f = runDir().resolve(id + ".pid");
        return Files.exists(f) && alive(pid(id));
    }

    static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    /** The node's console output (RUN_DIR/ID.out). */
    public String output(String id) {
        try {
            return Files.readString(runDir().resolve(id + ".out"));
        } catch (IOException e) {
            return "";
        }
    }

    /** Ids of every node of roles.conf (not the S3 server, not nginx). */
    public List<String> nodeIds() {
        return nodes.stream().map(NodeSpec::id).toList();
    }

    /**
     * The status of {@code GET /health} on the node itself (not through nginx); -1 when it does not answer
     * within 10 s. With the database down a node needs its pool's connection timeout (5 s) to say so.
     */
    public int health(String id) {
        try {
            return HEALTH_CLIENT.send(java.net.http.HttpRequest.newBuilder(nodeUri(id, "/health"))
                    .timeout(Duration.ofSeconds(10)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits until {@code GET /health} answers 200 on every node; fails naming the ones that do not. */
    public void awaitAllHealthy(Duration timeout) {
        Await.until(timeout, "GET /health 200 on every node", () -> nodeIds().stream().allMatch(n -> health(n) == 200));
    }

    /** A worker's scratch directory (DATA_DIR/work/ID): one subdirectory per running attempt. */
    public Path workDir(String workerId) {
        return dataDir.resolve("work").resolve(workerId);
    }

    // ---- what the cluster recorded -------------------------------------------------------------------

    public List<JsonNode> events(String event, Predicate<JsonNode> filter) {
        return EventLogs.events(logDir(), event, filter);
    }

    @Override
    public List<JsonNode> events(String event, String videoId) {
        return events(event, e -> videoId == null || videoId.equals(e.path("video_id").asText()));
    }

    public List<JsonNode> events(String event) {
        return events(event, e -> true);
    }

    public List<Access> accessLog() {
        Path f = dataDir.resolve("nginx").resolve("access.jsonl");
        List<Access> out = new ArrayList<>();
        if (!Files.exists(f)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(f)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode j = Json.MAPPER.readTree(line);
                out.add(new Access(j.path("msec").asDouble(), j.path("method").asText(), j.path("uri").asText(),
                        j.path("session").asText(), j.path("status").asInt(), j.path("upstream").asText(),
                        j.path("upstream_status").asText(), j.path("node").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The cluster's database through the platform's own {@link Sql}, for assertions on what it stored. */
    public Sql sql() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl);
        ds.setUser("postgres");
        return new Sql(ds);
    }

    /** The named questions the cluster tests ask the cluster's database ({@link ClusterQueries}). */
    public ClusterQueries queries() {
        return new ClusterQueries(sql());
    }

    /**
     * Rows of an ad-hoc query. Only NetworkFaultTest's leader query still uses it (that test has another
     * owner); everything else asks {@link #queries()}.
     */
    public List<Map<String, Object>> rows(String query, Object... params) {
        return sql().query(query, rs -> {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
            }
            return row;
        }, params);
    }

    /** The cluster's bucket on its S3 server. */
    public ObjectStore store() {
        return new ObjectStore("http://127.0.0.1:" + s3Port, "vidforge", "vidforge-secret-key", "us-east-1", "vidforge");
    }

    // ---- the API through nginx -------------------------------------------------------------------------

    /** Uploads a file through nginx; returns the video id. */
    public String upload(Path file, String title) throws IOException {
        Http.Response r = Http.post(uri("/upload?title=" + title), Files.readAllBytes(file), "video/mp4");
        if (r.status() != 201 && r.status() != 200) {
            throw new AssertionError("upload failed: " + r.status() + " " + r.text());
        }
        return r.json().get("video_id").asText();
    }

    public JsonNode video(String videoId) {
        return Http.get(uri("/videos/" + videoId)).json();
    }

    public JsonNode awaitReady(String videoId, Duration timeout) {
        return VideoWait.ready(uri("/videos/" + videoId), timeout);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Free ports below the kernel's ephemeral range (32768+ here), so an outgoing connection of some
     * other process cannot take one between this check and the node's bind; never 8080 and friends.
     */
    private static List<Integer> freePorts(int n) throws IOException {
        java.util.Random random = new java.util.Random();
        Set<Integer> out = new LinkedHashSet<>();
        for (int tries = 0; out.size() < n && tries < 10_000; tries++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                out.add(port);
            } catch (IOException taken) {
                // try another
            }
        }
        if (out.size() < n) {
            throw new IOException("no " + n + " free ports in 20000-31999");
        }
        return List.copyOf(out);
    }

    /**
     * The class path for the nodes: the main classes as one jar (a class-data archive cannot cover a
     * directory) and every jar of the test class path. Surefire may hide the class path in a
     * manifest-only jar; its Class-Path is read then.
     */
    static synchronized String nodeClassPath() throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(Path.of(e).toAbsolutePath());
            }
        }
        if (entries.size() == 1 && entries.get(0).getFileName().toString().startsWith("surefirebooter")) {
            try (JarFile jar = new JarFile(entries.get(0).toFile())) {
                String cp = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                entries.clear();
                for (String u : cp.trim().split("\\s+")) {
                    entries.add(Path.of(URI.create(u)));
                }
            }
        }
        Path mainClasses = ROOT.resolve("target").resolve("classes");
        List<String> out = new ArrayList<>();
        out.add(packMainClasses(mainClasses).toString());
        for (Path p : entries) {
            if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
                out.add(p.toString());
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** target/classes as target/cluster-node-classes.jar, rewritten only when a class is newer. */
    private static Path packMainClasses(Path classes) throws IOException {
        Path jar = classes.getParent().resolve("cluster-node-classes.jar");
        long jarTime = Files.exists(jar) ? Files.getLastModifiedTime(jar).toMillis() : -1;
        List<Path> files;
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(classes)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        try (Stream<Path> s = Files.walk(classes)) {
            dirs = s.filter(Files::isDirectory).filter(d -> !d.equals(classes)).sorted().toList();
        }
        boolean stale = jarTime < 0;
        for (Path f : files) {
            stale |= Files.getLastModifiedTime(f).toMillis() > jarTime;
        }
        if (!stale) {
            return jar;
        }
        Path tmp = Files.createTempFile(classes.getParent(), "cluster-node-classes", ".jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING);
             JarOutputStream jos = new JarOutputStream(os, mf)) {
            // Directory entries too: Flyway finds classpath:db/migration through them.
            for (Path d : dirs) {
                jos.putNextEntry(new JarEntry(classes.relativize(d).toString().replace('\\', '/') + "/"));
                jos.closeEntry();
            }
            for (Path f : files) {
                String entry = classes.relativize(f).toString().replace('\\', '/');
                jos.putNextEntry(new JarEntry(entry));
                Files.copy(f, jos);
                jos.closeEntry();
            }
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }

    /** Deletes a directory tree, best effort (test clean-up; says what it could not delete). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "cluster " + name + " on 127.0.0.1:" + port + " (" + dataDir + ", database " + database + ")";
    }
}
