package io.vidforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.report.ReportMain;
import io.vidforge.testing.Await;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.ClusterPlayer;
import io.vidforge.testing.ClusterPlayer.Fetch;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Playback through nginx in front of three segment nodes, each a process of its own (./run.sh cluster on
 * PostgreSQL, the S3 server process, real ffmpeg): sessions stick to one node, a dead node's sessions move
 * and only those, they come home when it is back, and a node that is stopped drains without a single
 * error reaching a player. The numbers docs/routing.md quotes are measured here and printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaybackRoutingTest {
    private static final int SESSIONS = 30;
    private static final Duration FAIL_TIMEOUT = Duration.ofSeconds(3); // nginx.conf.template, segments upstream

    private ClusterHarness cluster;
    private String videoId;
    /** Each session's home node, as it answered when every node was up. */
    private final Map<String, String> homes = new ConcurrentHashMap<>();

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ClusterHarness.start("routing",
                List.of("upload", "orchestrator", "worker", "segment", "segment", "segment"),
                Map.of("WORKER_CONCURRENCY", "2", "SHUTDOWN_GRACE_SECONDS", "15", "POLL_MILLIS", "250"));
        Path dir = Files.createTempDirectory("routing-clips");
        Path clip = new MediaClips(dir).make(MediaClips.Clip.of("routing-8s", 640, 360, 8, 2));
        videoId = cluster.upload(clip, "routing");
        JsonNode v = cluster.awaitReady(videoId, Duration.ofMinutes(4));
        assertEquals(3, v.get("variants").size(), "360p, 240p and the audio: " + v);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void every_session_is_served_by_exactly_one_node_and_sessions_spread_over_all_segment_nodes() throws Exception {
        Map<String, List<Fetch>> bySession = new ConcurrentHashMap<>();
        ExecutorService players = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String s : sessionIds()) {
                done.add(players.submit(() -> {
                    ClusterPlayer p = new ClusterPlayer(cluster.uri("/"), s, videoId);
                    List<Fetch> all = new ArrayList<>(List.of(p.playMaster())); // routed by ?session= too
                    all.addAll(p.playThrough(s.hashCode() % 2 == 0 ? "360p" : "240p"));
                    bySession.put(s, all);
                }));
            }
            for (Future<?> f : done) {
                f.get(3, TimeUnit.MINUTES);
            }
        } finally {
            players.shutdownNow();
        }

        for (var e : bySession.entrySet()) {
            for (Fetch f : e.getValue()) {
                assertTrue(f.ok(), "every request succeeds: " + f);
            }
            Set<String> nodes = e.getValue().stream().map(Fetch::node).collect(Collectors.toSet());
            assertEquals(1, nodes.size(), "session " + e.getKey() + " is served by one node (X-Node-Id): " + nodes);
            homes.put(e.getKey(), nodes.iterator().next());
        }
        // The nodes' own SERVE logs agree: one node per session, the one that answered.
        Await.until(Duration.ofSeconds(30), "SERVE lines of every session", () -> sessionIds().stream()
                .allMatch(s -> cluster.events("SERVE", ev -> s.equals(ev.path("session_id").asText())).size()
                        >= bySession.get(s).size() - 1));
        for (String s : sessionIds()) {
            Set<String> logged = cluster.events("SERVE", ev -> s.equals(ev.path("session_id").asText())).stream()
                    .map(ev -> ev.path("node_id").asText()).collect(Collectors.toSet());
            assertEquals(Set.of(homes.get(s)), logged, "SERVE logs of " + s);
        }
        // So does nginx: one upstream address per session, no retry, the node's id in the access log.
        Await.until(Duration.ofSeconds(30), "nginx to log every request", () -> sessionIds().stream()
                .allMatch(s -> access(s).size() >= bySession.get(s).size()));
        for (String s : sessionIds()) {
            for (ClusterHarness.Access a : access(s)) {
                assertEquals(200, a.status(), a.toString());
                assertFalse(a.upstream().contains(","), "no second upstream was tried: " + a);
                assertEquals(homes.get(s), cluster.nodeAt(a.upstream()), a.toString());
                assertEquals(homes.get(s), a.node(), a.toString());
            }
        }
        Map<String, Long> spread = new TreeMap<>(homes.values().stream()
                .collect(Collectors.groupingBy(n -> n, Collectors.counting())));
        measured("sessions per segment node (" + SESSIONS + " sessions): " + spread);
        assertEquals(Set.of("segment-1", "segment-2", "segment-3"), spread.keySet(), "sessions spread: " + spread);
    }

    @Test
    @Order(2)
    void killing_the_node_serving_a_session_mid_response_moves_only_its_sessions_which_return_home_when_it_recovers()
            throws Exception {
        Map<String, String> home = homes();
        String session = "kill-" + Long.toHexString(System.nanoTime());
        ClusterPlayer player = new ClusterPlayer(cluster.uri("/"), session, videoId);
        List<Fetch> before = new ArrayList<>(List.of(player.playMaster()));
        before.addAll(player.open("360p"));
        before.add(player.segment(0));
        before.add(player.segment(1));
        String victim = before.get(0).node();
        for (Fetch f : before) {
            assertTrue(f.ok(), f.toString());
            assertEquals(victim, f.node(), "the session stays on its node before the failure");
        }
        // A slow segment response (shaped on its node) so the node dies while the body is on its way.
        assertEquals(200, player.shape(300));
        long[] killedAt = new long[2];
        Fetch cut = player.fetch("360p/" + player.segments().get(2), () -> {
            killedAt[0] = System.nanoTime();
            cluster.kill(victim);
            killedAt[1] = System.nanoTime();
        });
        assertEquals(victim, cut.node());
        assertTrue(cut.truncated() || cut.error() != null, "a node that dies mid-body leaves a broken response: " + cut);
        assertFalse(cut.ok(), cut.toString());

        // The player retries, as hls.js does: the same segment, whole, from another node; then the rest.
        Fetch retry = player.segment(2);
        assertTrue(retry.ok(), "the retry succeeds: " + retry);
        String fallback = retry.node();
        assertNotEquals(victim, fallback);
        Fetch next = player.segment(3);
        assertTrue(next.ok(), next.toString());
        assertEquals(fallback, next.node(), "the session stays on its one fallback");
        Duration failover = Duration.ofNanos(retry.endNanos() - killedAt[0]);
        measured(String.format("kill -9 mid-body: %d of %d bytes arrived; the retry took %d ms from %s; %d ms from"
                        + " the kill to the whole segment from the fallback", cut.received(), cut.contentLength(),
                retry.took().toMillis(), fallback, failover.toMillis()));

        // Only the dead node's sessions moved, each to one fixed node; everyone else stayed home.
        Map<String, String> moved = new TreeMap<>();
        for (String s : sessionIds()) {
            ClusterPlayer other = new ClusterPlayer(cluster.uri("/"), s, videoId);
            Fetch a = other.get("master.m3u8");
            Fetch b = other.get("360p/index.m3u8");
            assertTrue(a.ok() && b.ok(), a + " / " + b);
            assertEquals(a.node(), b.node(), "one node per session after the failure too: " + s);
            if (home.get(s).equals(victim)) {
                assertNotEquals(victim, a.node());
                moved.put(s, a.node());
            } else {
                assertEquals(home.get(s), a.node(), "session " + s + " did not move");
            }
        }
        assertFalse(moved.isEmpty(), "the victim had sessions of its own: " + home);
        measured("sessions of " + victim + " moved to: " + moved);

        // The logs and the report show the reassignment.
        Await.until(Duration.ofSeconds(30), "the fallback's SERVE lines", () -> cluster.events("SERVE",
                e -> session.equals(e.path("session_id").asText()) && fallback.equals(e.path("node_id").asText())).size() >= 2);
        List<String> servedBy = cluster.events("SERVE", e -> session.equals(e.path("session_id").asText())).stream()
                .sorted(java.util.Comparator.comparing((JsonNode e) -> e.path("ts").asText()))
                .map(e -> e.path("node_id").asText()).distinct().toList();
        assertEquals(List.of(victim, fallback), servedBy, "SERVE: first the victim, then the fallback");
        String text = playbackReport(session);
        // One failover is exactly one node change, the master asked for at /play/{id}/master.m3u8?session= included.
        assertTrue(text.contains("nodes: 2 span(s), 1 change(s)"), text);
        assertTrue(text.contains(victim) && text.contains(fallback), text);

        // A player keeps going through the restart; measure when the session is home again.
        List<Fetch> during = new CopyOnWriteArrayList<>();
        AtomicBoolean playing = new AtomicBoolean(true);
        Thread background = Thread.ofPlatform().name("player-" + session).start(() -> {
            while (playing.get()) {
                during.add(player.playlist());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long healthyAt;
        Fetch firstHome;
        try {
            long t0 = System.nanoTime();
            cluster.startNode(victim);
            healthyAt = System.nanoTime();
            firstHome = Await.value(Duration.ofSeconds(30), "the session back on " + victim, () -> during.stream()
                    .filter(f -> victim.equals(f.node()) && f.startNanos() > t0).findFirst().orElse(null));
            measured(String.format("restart of %s took %d ms (./run.sh start until healthy); the session was home %d ms"
                            + " after the node was healthy (nginx fail_timeout %d s)", victim,
                    Duration.ofNanos(healthyAt - t0).toMillis(),
                    Math.max(0, Duration.ofNanos(firstHome.endNanos() - healthyAt).toMillis()), FAIL_TIMEOUT.toSeconds()));
        } finally {
            playing.set(false);
            background.join(10_000);
        }
        for (Fetch f : during) {
            assertTrue(f.ok(), "no request failed while the node came back: " + f);
        }
        assertTrue(firstHome.endNanos() - healthyAt < FAIL_TIMEOUT.toNanos() + Duration.ofSeconds(5).toNanos(),
                "home again within fail_timeout of recovery (+ slack for this machine)");
        // And every session that had moved is home again.
        for (String s : moved.keySet()) {
            assertEquals(victim, new ClusterPlayer(cluster.uri("/"), s, videoId).get("master.m3u8").node(), s);
        }
    }

    @Test
    @Order(3)
    void a_stopped_node_drains_its_in_flight_responses_while_nginx_moves_its_sessions_without_an_error() throws Exception {
        Map<String, String> home = homes();
        String node = "segment-2";
        List<String> itsSessions = sessionIds().stream().filter(s -> node.equals(home.get(s))).toList();
        assertFalse(itsSessions.isEmpty(), home.toString());
        String session = "drain-" + Long.toHexString(System.nanoTime());
        // A session of this node (found by trying ids: the hash decides, not us).
        ClusterPlayer player = IntStream.range(0, 200).mapToObj(i -> new ClusterPlayer(cluster.uri("/"), session + i, videoId))
                .filter(p -> node.equals(p.get("master.m3u8").node())).findFirst().orElseThrow();
        player.open("360p").forEach(f -> assertEquals(node, f.node()));
        assertEquals(200, player.shape(250));

        CountDownLatch bodyStarted = new CountDownLatch(1);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Process stop;
        Future<Fetch> inFlight;
        double stoppedAtMsec;
        try {
            inFlight = ex.submit(() -> player.fetch("360p/" + player.segments().get(0), bodyStarted::countDown));
            assertTrue(bodyStarted.await(60, TimeUnit.SECONDS), "the slow response started");
            stoppedAtMsec = System.currentTimeMillis() / 1000.0;
            stop = cluster.stopNodeAsync(node); // SIGTERM: Main's hook drains the node

            // While it drains: health says DOWN, and nginx moves this session and the node's others.
            Await.until(Duration.ofSeconds(20), node + " to report DOWN while draining", () -> {
                Http.Response h = Http.get(cluster.nodeUri(node, "/health"));
                return h.status() == 503 && "DOWN".equals(h.json().path("checks").path("draining").asText());
            });
            Fetch moved = player.segment(1);
            assertTrue(moved.ok(), moved.toString());
            assertNotEquals(node, moved.node(), "new requests of a draining node's session go elsewhere");
            for (String s : itsSessions) {
                Fetch f = new ClusterPlayer(cluster.uri("/"), s, videoId).get("master.m3u8");
                assertTrue(f.ok(), f.toString());
                assertNotEquals(node, f.node());
            }
            assertTrue(cluster.alive(node), "still draining: the slow response is in flight");

            Fetch slow = inFlight.get(90, TimeUnit.SECONDS);
            assertTrue(slow.ok(), "the in-flight response was finished, whole: " + slow);
            assertEquals(node, slow.node());
            measured(String.format("drain: a %d-byte response in flight took %d ms and was finished before %s stopped",
                    slow.received(), slow.took().toMillis(), node));
        } finally {
            ex.shutdownNow();
        }
        assertTrue(stop.waitFor(90, TimeUnit.SECONDS), "./run.sh stop " + node + " returns");
        assertEquals(0, stop.exitValue());
        assertFalse(cluster.alive(node));

        JsonNode draining = cluster.events("NODE_DRAINING", e -> node.equals(e.path("node_id").asText())).getLast();
        JsonNode stopped = cluster.events("NODE_STOPPED", e -> node.equals(e.path("node_id").asText())).getLast();
        assertTrue(draining.path("in_flight").asInt() >= 1, draining.toString());
        assertEquals(0, stopped.path("in_flight_left").asInt(), stopped.toString());
        measured("drain events: " + draining + " / " + stopped);
        // No player saw an error: every request of this node's sessions since the stop was answered 200.
        Set<String> watched = new LinkedHashSet<>(itsSessions);
        watched.add(player.session());
        for (ClusterHarness.Access a : cluster.accessLog()) {
            if (a.msec() >= stoppedAtMsec && watched.contains(a.session())) {
                assertEquals(200, a.status(), "no error reached a client while " + node + " drained: " + a);
            }
        }
        // How: the node refused with the 502 nginx asks for on playback routes, and nginx went on to the fallback.
        assertTrue(cluster.accessLog().stream().anyMatch(a -> a.msec() >= stoppedAtMsec && watched.contains(a.session())
                && a.upstreamStatus().startsWith("502")), "nginx retried a draining node's 502 elsewhere");

        cluster.startNode(node);
        Await.until(Duration.ofSeconds(30), "sessions back on " + node,
                () -> node.equals(new ClusterPlayer(cluster.uri("/"), itsSessions.get(0), videoId).get("master.m3u8").node()));
    }

    @Test
    @Order(4)
    void a_hung_node_costs_one_request_the_read_timeout_and_its_sessions_return_when_it_resumes() throws Exception {
        Map<String, String> home = homes();
        String session = sessionIds().get(3);
        String node = home.get(session);
        ClusterPlayer player = new ClusterPlayer(cluster.uri("/"), session, videoId);
        player.open("240p").forEach(f -> assertEquals(node, f.node()));
        long pid = cluster.pid(node);
        signal("STOP", pid); // hung: the kernel still accepts connections, nothing answers
        Fetch first;
        Fetch second;
        try {
            first = player.segment(0);
            second = player.segment(1);
        } finally {
            signal("CONT", pid);
        }
        assertTrue(first.ok() && second.ok(), first + " / " + second);
        assertNotEquals(node, first.node());
        assertEquals(first.node(), second.node());
        measured(String.format("hung node (SIGSTOP): the first request took %d ms (proxy_read_timeout 3 s), the next %d ms",
                first.took().toMillis(), second.took().toMillis()));
        assertTrue(first.took().toMillis() >= 2500, "the first request waited for the read timeout: " + first);
        long resumed = System.nanoTime();
        Fetch back = Await.value(Duration.ofSeconds(30), "the session back on " + node, () -> {
            Fetch f = player.playlist();
            assertTrue(f.ok(), f.toString());
            return node.equals(f.node()) ? f : null;
        });
        measured(String.format("after SIGCONT the session was home %d ms later",
                Duration.ofNanos(back.endNanos() - resumed).toMillis()));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static List<String> sessionIds() {
        return IntStream.range(0, SESSIONS).mapToObj(i -> String.format("stick-%02d", i)).toList();
    }

    /** Each session's home node; asks nginx (one request per session) if the first test did not run. */
    private Map<String, String> homes() {
        if (homes.size() < SESSIONS) {
            for (String s : sessionIds()) {
                Fetch f = new ClusterPlayer(cluster.uri("/"), s, videoId).get("master.m3u8");
                assertTrue(f.ok(), f.toString());
                homes.put(s, f.node());
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(homes));
    }

    private List<ClusterHarness.Access> access(String session) {
        return cluster.accessLog().stream().filter(a -> session.equals(a.session())).toList();
    }

    /** ./run.sh report --session S, run in-process on this cluster's logs. */
    private String playbackReport(String session) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ReportMain.run(new String[] {"--logs", cluster.logDir().toString(), "--session", session,
                "--out", cluster.dataDir().resolve("report.html").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        return text;
    }

    private static void measured(String line) {
        System.out.println("[measured] " + line);
        try {
            Path f = Path.of("target", "cluster-measurements.txt");
            Files.writeString(f, "PlaybackRoutingTest: " + line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            // only a convenience copy
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + sig + " " + pid);
    }
}
