package io.vidforge.cluster;

import static io.vidforge.testing.Settlement.assertClusterHealthy;
import static io.vidforge.testing.Settlement.assertSettled;
import static io.vidforge.testing.Settlement.awaitReady;
import static io.vidforge.testing.Settlement.awaitSettled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.ClusterQueries;
import io.vidforge.testing.ClusterPlayer;
import io.vidforge.testing.ClusterPlayer.Fetch;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.Settlement;
import io.vidforge.testing.TestTimings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The failure matrix on a real cluster (./run.sh cluster: upload, orchestrator, two workers and two
 * segment nodes as processes, the S3 server process, nginx, PostgreSQL, ffmpeg): the object store gone
 * for 30 s while videos are processed and while they are played, a worker SIGKILLed at random points
 * again and again, a worker's scratch space running full, and ffmpeg hanging. Every case ends with every
 * video ready or failed with a reason, nothing duplicated or lost, and every node healthy again without
 * anyone touching it ({@link Settlement}). The database restart is {@link DatabaseRestartTest}: it needs
 * a PostgreSQL of its own. docs/failures.md describes each case and what it measured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Two 30 s outages and 5 s stalls by the clock: the class runs in the suite's second lane, beside the other
// classes (docs/testing.md, "Suite time"). Its cases share one cluster and run in order, one at a time: each
// is SAME_THREAD (the class's CONCURRENT would otherwise apply to them too).
@Execution(ExecutionMode.CONCURRENT)
class FailureMatrixTest {
    private static final String NAME = "FailureMatrixTest";
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final int MAX_ATTEMPTS = 4;
    private static final List<String> WORKERS = List.of("worker-1", "worker-2");
    /** Room the scratch limit leaves above the largest-source clip: less than one rung's output of it. */
    private static final long SCRATCH_MARGIN = 700_000;

    private ClusterHarness cluster;
    private MediaClips clips;
    private HangingFfmpeg ffmpeg;
    private Path overflowing;
    private Path oversized;
    private long scratchLimit;

    @BeforeAll
    void startCluster() throws Exception {
        Path dir = Files.createTempDirectory("matrix-");
        clips = new MediaClips(dir);
        ffmpeg = new HangingFfmpeg(Files.createDirectories(dir.resolve("ffmpeg")));
        // Case e: a 20 s source fits the limit but the source plus its 360p output does not; a 40 s source
        // alone is larger than the limit. Every other clip of the matrix (<= 8 s) fits with its output.
        overflowing = clips.make(MediaClips.Clip.of("scratch-overflow-20s", 640, 360, 20, 2));
        oversized = clips.make(MediaClips.Clip.of("scratch-oversized-40s", 640, 360, 40, 2));
        scratchLimit = Files.size(overflowing) + SCRATCH_MARGIN;
        assertTrue(Files.size(oversized) > scratchLimit, "the 40 s clip is larger than the limit");

        Map<String, String> settings = TestTimings.with(TestTimings.PROCESS_CLUSTER,
                "MAX_ATTEMPTS", Integer.toString(MAX_ATTEMPTS), "FFMPEG_STALL_SECONDS", "5",
                "WORK_DIR_MAX_BYTES", Long.toString(scratchLimit),
                // The matrix injects its faults into the whole-ladder TRANSCODE task; the chunked plan's own
                // failures (a chunk killed, lost or refused) are ChunkedProcessingTest's.
                "TRANSCODE_SPLIT", "ladder");
        settings.putAll(ffmpeg.settings());
        cluster = ClusterHarness.start("matrix",
                List.of("upload", "orchestrator", "worker", "worker", "segment", "segment"), settings);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---- a) the object store is gone for 30 s while videos are processed ------------------------------------

    @Test
    @Order(1)
    @Execution(ExecutionMode.SAME_THREAD)
    void s3_unavailable_for_30_s_during_processing_pauses_the_workers_and_every_video_becomes_ready_without_using_up_attempts()
            throws Exception {
        List<String> ids = List.of(
                cluster.upload(clips.make(MediaClips.Clip.of("s3-processing-a", 640, 360, 6, 2)), "s3-a"),
                cluster.upload(clips.make(MediaClips.Clip.of("s3-processing-b", 640, 360, 6.5, 2)), "s3-b"));
        Await.until(Duration.ofMinutes(2), "a TRANSCODE under way", () -> cluster.queries().transcodesUnderWay(ids) > 0);

        Instant down = Instant.now();
        cluster.stopNode("s3");
        // What a client sees meanwhile: an upload is refused with a clear JSON 503, nothing half-stored.
        Http.Response upload = Http.post(cluster.uri("/upload?title=during-outage"),
                Files.readAllBytes(clips.make(MediaClips.Clip.of("s3-processing-refused", 640, 360, 2, 2))), "video/mp4");
        assertEquals(503, upload.status(), upload.text());
        assertEquals("STORAGE_UNAVAILABLE", upload.json().path("error").path("code").asText(), upload.text());
        List<JsonNode> paused = Await.value(OUTAGE, "a worker to pause on the outage", () -> nonEmpty(
                cluster.events("WORKER_PAUSED", e -> Instant.parse(e.path("ts").asText()).isAfter(down))));
        assertTrue(paused.get(0).path("reason").asText().startsWith("STORAGE_UNAVAILABLE"), paused.toString());
        Await.until(OUTAGE, "/health to report the outage", () -> cluster.health("worker-1") == 503);
        sleepUntil(down.plus(OUTAGE)); // the outage lasts 30 s: that is the case, not a wait for a condition

        cluster.startNode("s3");
        Instant back = Instant.now();
        for (String id : ids) {
            awaitReady(cluster, id, Duration.ofMinutes(3));
        }
        Settlement.measured(NAME, String.format("a) S3 down %d ms; first WORKER_PAUSED %d ms after the stop; both"
                        + " videos ready %d ms after S3 was back", Duration.between(down, back).toMillis(),
                Duration.between(down, Instant.parse(paused.get(0).path("ts").asText())).toMillis(),
                Duration.between(back, Instant.now()).toMillis()));

        for (String id : ids) {
            assertSettled(cluster, id);
            assertEquals(0, cluster.events("TASK_FAILED", e -> id.equals(e.path("video_id").asText())).size());
        }
        List<JsonNode> outageRetries = cluster.events("TASK_RETRY", e -> ids.contains(e.path("video_id").asText())
                && e.path("reason").asText().startsWith("STORAGE_UNAVAILABLE"));
        assertFalse(outageRetries.isEmpty(), "attempts that hit the outage were retried");
        for (JsonNode r : outageRetries) {
            assertFalse(r.path("counted").asBoolean(true), "an outage does not use up an attempt: " + r);
            assertEquals(r.path("attempt").asInt(), r.path("next_attempt").asInt(), r.toString());
        }
        // Each task's attempt number grew only with counted retries (none is expected here).
        for (Map.Entry<Long, Integer> t : cluster.queries().attempts(ids).entrySet()) {
            long taskId = t.getKey();
            long counted = cluster.events("TASK_RETRY", e -> e.path("task_id").asLong() == taskId
                    && e.path("counted").asBoolean(true)).size();
            assertEquals(1 + counted, t.getValue().longValue(), "task " + taskId + " attempts");
        }
        // The workers probe the store themselves: they may see it back before ./run.sh start returns.
        List<JsonNode> resumed = cluster.events("WORKER_RESUMED", e -> Instant.parse(e.path("ts").asText()).isAfter(down));
        for (JsonNode p : cluster.events("WORKER_PAUSED", e -> Instant.parse(e.path("ts").asText()).isAfter(down))) {
            String node = p.path("node_id").asText();
            assertTrue(resumed.stream().anyMatch(r -> node.equals(r.path("node_id").asText())
                    && r.path("paused_ms").asLong() > 0), node + " resumed by itself: " + resumed);
        }
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
    }

    // ---- b) the object store is gone for 30 s while videos are played ----------------------------------------

    @Test
    @Order(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void s3_unavailable_for_30_s_during_playback_cached_segments_play_uncached_get_a_json_503_and_playback_completes_after()
            throws Exception {
        String id = cluster.upload(clips.make(MediaClips.Clip.of("s3-playback-8s", 640, 360, 8, 2)), "s3-playback");
        awaitReady(cluster, id, Duration.ofMinutes(3));
        // One session played through before the outage: every 240p object is cached on its home node.
        ClusterPlayer cached = new ClusterPlayer(cluster.uri("/"), "outage-cached", id);
        List<Fetch> warm = cached.playThrough("240p");
        warm.forEach(f -> assertTrue(f.ok(), f.toString()));
        String home = warm.get(warm.size() - 1).node();
        ClusterPlayer fresh = new ClusterPlayer(cluster.uri("/"), "outage-fresh", id); // its 360p is cached nowhere

        Instant down = Instant.now();
        cluster.stopNode("s3");
        long outageStart = System.currentTimeMillis();
        // Cached objects keep playing, from the session's home node.
        List<Fetch> replay = cached.replay();
        for (Fetch f : replay) {
            assertTrue(f.ok(), "a cached object plays during the outage: " + f);
            assertEquals(home, f.node(), "from the session's home: " + f);
        }
        // An object no node has cached: a clear JSON 503 (the home node answered it; nginx passed it on).
        Http.Response miss = Http.get(cluster.uri(fresh.prefix() + "360p/index.m3u8"));
        assertEquals(503, miss.status(), miss.text());
        JsonNode error = Settlement.jsonOrNull(miss);
        assertTrue(error != null && !error.path("error").path("code").asText().isBlank(), "a JSON error: " + miss.text());

        // Players keep going for the rest of the outage, one cached and one not, side by side: the misses
        // must not take the nodes out for the cached session (nginx retries and marks down on 502 only).
        Map<String, Map<String, Integer>> seen = new LinkedHashMap<>();
        List<String> nonJsonErrors = new ArrayList<>();
        int turn = 0;
        while (Instant.now().isBefore(down.plus(OUTAGE))) {
            boolean cachedTurn = turn++ % 2 == 0;
            String path = cachedTurn ? cached.prefix() + "240p/" + cached.segments().get(turn / 2 % cached.segments().size())
                    : fresh.prefix() + "360p/index.m3u8";
            Http.Response r = Http.get(cluster.uri(path));
            assertTrue(r.status() == 200 || r.status() == 503, "during the outage every answer is a 200 or a 503: "
                    + r.status() + " " + r.text());
            JsonNode body = r.status() == 200 ? null : Settlement.jsonOrNull(r);
            if (r.status() != 200 && body == null) {
                nonJsonErrors.add(r.status() + " " + r.text());
            }
            String outcome = r.status() + (body == null ? "" : " " + body.path("error").path("code").asText());
            seen.computeIfAbsent(cachedTurn ? "cached" : "uncached", k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            Thread.sleep(250); // a player's pace: about four requests a second
        }
        assertEquals(List.of(), nonJsonErrors, "every error a player got was JSON");
        // If this fails, the access lines tell a regression (503s) from a machine too loaded to answer within
        // proxy_read_timeout (a "504" upstream status, then the fallback's 503).
        assertEquals(Set.of("200"), seen.get("cached").keySet(), "the cached session played the whole outage: " + seen
                + "; its access lines: " + cluster.accessLog().stream().filter(a -> a.session().equals("outage-cached")
                && a.msec() * 1000 >= outageStart).toList());
        assertEquals(Set.of("503 STORAGE_UNAVAILABLE"), seen.get("uncached").keySet(),
                "every miss was the node's own JSON 503, none nginx's NO_NODE_AVAILABLE: " + seen);

        cluster.startNode("s3");
        Instant back = Instant.now();
        // After the outage the fresh session plays through: playlist, init and every segment.
        List<Fetch> resumed = Await.value(Duration.ofSeconds(60), "the uncached session to play through", () -> {
            List<Fetch> l = fresh.playThrough("360p");
            return !fresh.segments().isEmpty() && l.stream().allMatch(Fetch::ok) ? l : null;
        });
        long recoveredMs = Duration.between(back, Instant.now()).toMillis();
        // Routing recovers by itself: each session settles on one node, the cached one on its old home.
        Await.until(Duration.ofSeconds(30), "the cached session back on its home " + home,
                () -> home.equals(cached.playlist().node()));
        Set<String> freshNodes = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            Fetch a = cached.segment(i % cached.segments().size());
            Fetch b = fresh.segment(i % fresh.segments().size());
            assertTrue(a.ok() && b.ok(), a + " " + b);
            assertEquals(home, a.node());
            freshNodes.add(b.node());
        }
        assertEquals(1, freshNodes.size(), "the fresh session stays on one node: " + freshNodes);
        Settlement.measured(NAME, String.format("b) S3 down %d ms; during it: %s (status -> count); the uncached"
                        + " session played through %d ms after S3 was back (%d requests)",
                Duration.between(down, back).toMillis(), seen, recoveredMs, resumed.size()));

        // The logs: cache hits served by the home node during the outage; nginx passed a miss's 503 on at
        // once, without trying (and marking down) other nodes for it.
        List<JsonNode> hits = cluster.events("SERVE", e -> "outage-cached".equals(e.path("session_id").asText())
                && Instant.parse(e.path("ts").asText()).isAfter(down) && Instant.parse(e.path("ts").asText()).isBefore(back));
        assertTrue(hits.size() >= replay.size(), "SERVE lines of the replay: " + hits.size());
        assertTrue(hits.stream().allMatch(e -> "HIT".equals(e.path("cache").asText()) && home.equals(e.path("node_id").asText())),
                hits.toString());
        List<ClusterHarness.Access> misses = cluster.accessLog().stream().filter(a -> a.session().equals("outage-fresh")
                && a.msec() * 1000 >= outageStart && a.msec() * 1000 < back.toEpochMilli() && a.upstreamStatus().contains("503"))
                .toList();
        assertFalse(misses.isEmpty(), "nginx logged the 503s of the miss");
        for (ClusterHarness.Access a : misses) {
            assertEquals("503", a.upstreamStatus().trim(), "one node asked, its 503 passed on: " + a);
        }
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
    }

    // ---- d) a worker SIGKILLed at random points, again and again ----------------------------------------------

    @Test
    @Order(3)
    @Execution(ExecutionMode.SAME_THREAD)
    void a_worker_killed_at_random_points_ten_times_and_restarted_loses_and_duplicates_nothing() throws Exception {
        long seed = Long.getLong("matrix.seed", System.nanoTime());
        System.out.println("[matrix] worker kills: seed " + seed + " (replay with -Dmatrix.seed=" + seed + ")");
        Random random = new Random(seed);
        int trials = 10;
        List<String> ids = new ArrayList<>();
        Map<Long, String> killedMidTask = new LinkedHashMap<>(); // task id -> the worker that held it
        Map<Long, Instant> killedAt = new HashMap<>();
        Map<Long, Integer> killedAttempt = new HashMap<>(); // task id -> the attempt the killed worker held
        Instant start = Instant.now();
        // How long one clip's work takes on this machine, from its first running task to ready: each kill
        // then lands at a random point inside that span, however fast or slow the machine is.
        String calibration = cluster.upload(clips.make(MediaClips.Clip.of("kill-cal", 640, 360, 3.4, 2)), "kill-cal");
        Await.until(Duration.ofSeconds(60), "a worker running a task", () -> !running().isEmpty());
        Instant workStart = Instant.now();
        assertEquals("ready", awaitSettled(cluster, calibration, Duration.ofMinutes(2)).path("status").asText());
        long measured = Math.max(100, Duration.between(workStart, Instant.now()).toMillis());
        // The delays are drawn from the seed and this span: a replay passes both (and keeps the span fixed).
        boolean replay = System.getProperty("matrix.workMs") != null;
        long workMs = Long.getLong("matrix.workMs", measured);
        System.out.println("[matrix] one clip's work takes " + measured + " ms here; delays drawn within " + workMs
                + " ms (replay with -Dmatrix.seed=" + seed + " -Dmatrix.workMs=" + workMs + ")");
        for (int trial = 0; trial < trials; trial++) {
            // 3.5-4.4 s: no two clips of the matrix share a length, so none is a duplicate upload of another.
            ids.add(cluster.upload(clips.make(MediaClips.Clip.of("kill-" + trial, 640, 360, 3.5 + 0.1 * trial, 2)),
                    "kill-" + trial));
            // A random point inside the work: once a worker runs something, a seeded random delay (the task may
            // be downloading, encoding, uploading or reporting by then, or already done), then SIGKILL.
            Await.until(Duration.ofSeconds(60), "a worker running a task", () -> !running().isEmpty());
            Instant seenRunning = Instant.now();
            long delayMs = random.nextInt((int) workMs);
            Thread.sleep(delayMs); // the random point in time is what this case varies
            // Between two tasks of the video nothing runs for a moment: the kill then goes to the next task
            // as soon as it runs, so that most kills land inside work however fast the machine is. If the
            // video is already done, the kill hits an idle worker (a case worth having too).
            String current = ids.get(ids.size() - 1);
            Await.until(Duration.ofSeconds(60), "a worker running a task, or the video settled",
                    () -> !running().isEmpty() || settled(current));
            List<String> busy = running().values().stream().distinct().sorted().toList();
            List<String> candidates = busy.isEmpty() ? WORKERS : busy;
            String victim = candidates.get(random.nextInt(candidates.size()));
            List<ClusterQueries.RunningTask> held = cluster.queries().runningRenewedAfter(victim,
                    System.currentTimeMillis() - 1500);
            cluster.kill(victim);
            Instant gone = Instant.now(); // the process is gone: whatever it logged came before this
            for (ClusterQueries.RunningTask t : held) {
                killedMidTask.put(t.taskId(), victim);
                killedAt.put(t.taskId(), gone);
                killedAttempt.put(t.taskId(), t.attempt());
            }
            System.out.printf("[matrix] trial %d (seed %d): SIGKILL %s %d ms after a task was seen running, holding %s%n", trial,
                    seed, victim, delayMs, held.stream().map(t -> t.kind() + " " + t.variant() + " at "
                            + Math.round(100 * t.progress()) + "%").toList());
            cluster.startNode(victim);
            Optional<Instant> readyAt = cluster.events("STATE_CHANGE", current).stream()
                    .filter(e -> "ready".equals(e.path("to").asText())).map(e -> Instant.parse(e.path("ts").asText()))
                    .findFirst();
            if (!replay && held.isEmpty() && readyAt.isPresent() && readyAt.get().isBefore(gone)) {
                // The clip's work ended before the kill, undisturbed: the machine got faster since the
                // calibration (its load changes; other classes run beside this one). The span this clip
                // took is what the next delays are drawn within, so that the kills keep landing in work.
                long span = Math.max(100, Duration.between(seenRunning, readyAt.get()).toMillis());
                if (span < workMs) {
                    workMs = span;
                    System.out.println("[matrix] trial " + trial + ": the clip was ready " + span
                            + " ms after its work was seen: delays now drawn within " + workMs + " ms");
                }
            }
        }
        assertTrue(killedMidTask.size() >= trials / 2, "most kills hit a running task: " + killedMidTask);
        for (String id : ids) {
            JsonNode v = awaitSettled(cluster, id, Duration.ofMinutes(4));
            assertEquals("ready", v.path("status").asText(), "seed " + seed + ": " + v);
        }
        Settlement.measured(NAME, String.format("d) %d SIGKILLs (seed %d), %d of them mid-task; all %d videos ready"
                + " %d s after the first upload", trials, seed, killedMidTask.size(), ids.size(),
                Duration.between(start, Instant.now()).toSeconds()));

        for (String id : ids) {
            assertSettled(cluster, id);
        }
        // Every task a kill interrupted: its lease expired naming the dead worker, and it was retried.
        Map<Long, Integer> finalAttempt = cluster.queries().attempts(ids);
        for (var k : killedMidTask.entrySet()) {
            long taskId = k.getKey();
            List<JsonNode> expired = cluster.events("LEASE_EXPIRED", e -> e.path("task_id").asLong() == taskId);
            List<JsonNode> retried = cluster.events("TASK_RETRY", e -> e.path("task_id").asLong() == taskId);
            List<JsonNode> completed = cluster.events("TASK_COMPLETED", e -> e.path("task_id").asLong() == taskId);
            // The query saw it running, but it may have ended between the query and the kill. Done at the very
            // attempt the killed worker held, nobody claimed it after the kill: that worker finished it before
            // (a dead process finishes nothing), and its TASK_COMPLETED line can have died with it (written
            // just after the commit; seen at load ~20: a PROBE committed a moment before the kill, no line).
            boolean doneByTheVictim = killedAttempt.get(taskId).equals(finalAttempt.get(taskId));
            boolean endedBeforeTheKill = doneByTheVictim
                    || cluster.events("TASK_COMPLETED", e -> e.path("task_id").asLong() == taskId
                    && e.path("node_id").asText().equals(k.getValue())
                    && Instant.parse(e.path("ts").asText()).isBefore(killedAt.get(taskId))).size()
                    + cluster.events("TASK_RETRY", e -> e.path("task_id").asLong() == taskId
                    && e.path("node_id").asText().equals(k.getValue())
                    && Instant.parse(e.path("ts").asText()).isBefore(killedAt.get(taskId))).size() > 0;
            if (!endedBeforeTheKill) {
                assertTrue(expired.stream().anyMatch(e -> k.getValue().equals(e.path("owner").asText())),
                        "seed " + seed + ": task " + taskId + " of " + k.getValue() + ": LEASE_EXPIRED " + expired);
                assertTrue(retried.stream().anyMatch(e -> e.path("reason").asText().startsWith("LEASE_EXPIRED")),
                        "seed " + seed + ": TASK_RETRY " + retried);
            }
            if (doneByTheVictim) {
                // Its attempt is the task's last (the database), so no other worker completed it; the log
                // may have lost the line, never shows a second one or one from elsewhere.
                assertTrue(completed.size() <= 1 && completed.stream().allMatch(e -> k.getValue().equals(
                        e.path("node_id").asText())), "task " + taskId + " completed once, by " + k.getValue() + ": " + completed);
            } else {
                assertEquals(1, completed.size(), "task " + taskId + " completed exactly once: " + completed);
            }
        }
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
    }

    // ---- e) the worker's scratch space runs full ---------------------------------------------------------------

    @Test
    @Order(4)
    @Execution(ExecutionMode.SAME_THREAD)
    void a_worker_whose_scratch_space_runs_full_kills_ffmpeg_cleans_up_retries_and_fails_a_source_that_never_fits()
            throws Exception {
        long before = System.currentTimeMillis();
        String overflow = cluster.upload(overflowing, "scratch-overflow");
        String tooBig = cluster.upload(oversized, "scratch-oversized");

        // The 20 s source fits, but its output does not fit beside it: every attempt is aborted mid-encode.
        JsonNode v = awaitSettled(cluster, overflow, Duration.ofMinutes(3));
        assertEquals("failed", v.path("status").asText(), v.toString());
        assertEquals("WORK_DIR_LIMIT", v.path("error").path("code").asText(), v.toString());
        assertTrue(v.path("error").path("message").asText().contains("WORK_DIR_MAX_BYTES"), v.toString());
        List<JsonNode> aborted = cluster.events("WORK_DIR_LIMIT_REACHED", e -> overflow.equals(e.path("video_id").asText()));
        assertFalse(aborted.isEmpty(), "the limit was logged");
        for (JsonNode e : aborted) {
            assertEquals("aborted", e.path("action").asText(), e.toString());
            assertEquals(scratchLimit, e.path("limit_bytes").asLong());
            assertTrue(e.path("used_bytes").asLong() > scratchLimit, e.toString());
            assertTrue(e.path("used_bytes").asLong() < scratchLimit + 5_000_000, "caught within one check: " + e);
        }
        List<JsonNode> retries = cluster.events("TASK_RETRY", e -> overflow.equals(e.path("video_id").asText())
                && e.path("reason").asText().startsWith("WORK_DIR_LIMIT"));
        assertFalse(retries.isEmpty(), "retried (another worker, or this one with more room, may fit it)");
        assertTrue(retries.stream().allMatch(r -> r.path("counted").asBoolean() && r.path("delay_ms").asLong() > 0),
                "counted retries with backoff: " + retries);
        Map<Long, Integer> claims = new TreeMap<>();
        for (long task : aborted.stream().map(e -> e.path("task_id").asLong()).distinct().toList()) {
            claims.put(task, cluster.events("TASK_CLAIMED", e -> e.path("task_id").asLong() == task).size());
        }
        assertEquals(MAX_ATTEMPTS, claims.values().stream().mapToInt(Integer::intValue).max().orElse(0),
                "an aborted task used its attempts and no more: " + claims);

        // The 40 s source is larger than the whole limit: refused before a byte is copied, then failed.
        JsonNode big = awaitSettled(cluster, tooBig, Duration.ofMinutes(2));
        assertEquals("failed", big.path("status").asText(), big.toString());
        assertEquals("WORK_DIR_LIMIT", big.path("error").path("code").asText(), big.toString());
        List<JsonNode> refused = cluster.events("WORK_DIR_LIMIT_REACHED", e -> tooBig.equals(e.path("video_id").asText()));
        assertEquals(MAX_ATTEMPTS, refused.size(), refused.toString());
        assertTrue(refused.stream().allMatch(e -> "refused".equals(e.path("action").asText())
                && e.path("source_bytes").asLong() > scratchLimit), refused.toString());
        Settlement.measured(NAME, String.format("e) limit %d bytes: overflowing source failed after %d aborts (first at"
                + " %d bytes), oversized source failed after %d refusals; %d ms for both", scratchLimit, aborted.size(),
                aborted.get(0).path("used_bytes").asLong(), refused.size(), System.currentTimeMillis() - before));

        // No ffmpeg left running, no file left behind, and the workers go on working.
        for (String w : WORKERS) {
            long pid = cluster.pid(w);
            Await.until(Duration.ofSeconds(10), "no ffmpeg under " + w, () -> ProcessHandle.of(pid)
                    .map(h -> h.descendants().noneMatch(d -> d.info().command().orElse("").contains("ffmpeg"))).orElse(true));
        }
        assertSettled(cluster, overflow);
        assertSettled(cluster, tooBig);
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
        for (String w : WORKERS) {
            assertEquals(0, Settlement.scratchFiles(cluster.workDir(w)), w + " kept no scratch files");
        }
        String small = cluster.upload(clips.make(MediaClips.Clip.of("scratch-after", 640, 360, 4.5, 2)), "after");
        awaitReady(cluster, small, Duration.ofMinutes(2));
        assertSettled(cluster, small);
    }

    // ---- f) ffmpeg hangs ---------------------------------------------------------------------------------------

    @Test
    @Order(5)
    @Execution(ExecutionMode.SAME_THREAD)
    void an_ffmpeg_that_hangs_is_killed_and_retried_and_the_video_becomes_ready_or_fails_naming_the_stall() throws Exception {
        int hungBefore = ffmpeg.hangs();
        try {
            ffmpeg.hangOnce();
            String once = cluster.upload(clips.make(MediaClips.Clip.of("hang-once", 640, 360, 5, 2)), "hang-once");
            awaitReady(cluster, once, Duration.ofMinutes(3));
            assertEquals(hungBefore + 1, ffmpeg.hangs(), "one encode hung");
            List<JsonNode> stalled = cluster.events("TASK_RETRY", e -> once.equals(e.path("video_id").asText())
                    && e.path("reason").asText().startsWith("FFMPEG_STALLED"));
            assertEquals(1, stalled.size(), "the hung encode was killed as stalled and retried: " + stalled);
            assertTrue(stalled.get(0).path("counted").asBoolean(), stalled.toString());
            assertSettled(cluster, once);

            ffmpeg.hangAlways();
            long t0 = System.currentTimeMillis();
            String always = cluster.upload(clips.make(MediaClips.Clip.of("hang-always", 640, 360, 5.5, 2)), "hang-always");
            JsonNode v = awaitSettled(cluster, always, Duration.ofMinutes(3));
            assertEquals("failed", v.path("status").asText(), v.toString());
            assertEquals("TRANSCODE_FAILED", v.path("error").path("code").asText(), v.toString());
            assertTrue(v.path("error").path("message").asText().contains("FFMPEG_STALLED"), "names the stall: " + v);
            assertTrue(ffmpeg.hangs() >= hungBefore + 1 + MAX_ATTEMPTS, "every attempt hung: " + ffmpeg.hangs());
            Settlement.measured(NAME, String.format("f) a hang-once video ready after one FFMPEG_STALLED retry; an"
                    + " always-hanging one failed after %d hung encodes in %d ms (FFMPEG_STALL_SECONDS 5)",
                    ffmpeg.hangs() - hungBefore - 1, System.currentTimeMillis() - t0));
            assertSettled(cluster, always);
        } finally {
            ffmpeg.pass();
        }
        for (long pid : ffmpeg.hungPids()) {
            Await.until(Duration.ofSeconds(10), "hung ffmpeg " + pid + " killed",
                    () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        }
        assertEquals(0, cluster.events("TASK_STUCK").size(), "the stall watchdog acted, not the orchestrator's");
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /**
     * RUNNING tasks of live workers and their owners, by task id: renewed within the last 1.5 s (a worker
     * heartbeats every second), so the row of a task whose worker was just killed does not count.
     */
    private Map<Long, String> running() {
        Map<Long, String> out = new TreeMap<>();
        for (ClusterQueries.RunningTask t : cluster.queries().runningRenewedAfter(System.currentTimeMillis() - 1500)) {
            out.put(t.taskId(), t.owner());
        }
        return out;
    }

    /** True once the video is ready or failed. */
    private boolean settled(String videoId) {
        return cluster.queries().status(videoId).filter(s -> List.of("ready", "failed").contains(s)).isPresent();
    }

    private static <T> List<T> nonEmpty(List<T> l) {
        return l.isEmpty() ? null : l;
    }

    private static void sleepUntil(Instant t) throws InterruptedException {
        long ms = Duration.between(Instant.now(), t).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }
}
