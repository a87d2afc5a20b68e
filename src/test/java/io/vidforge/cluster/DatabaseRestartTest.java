package io.vidforge.cluster;

import static io.vidforge.testing.Settlement.assertClusterHealthy;
import static io.vidforge.testing.Settlement.assertSettled;
import static io.vidforge.testing.Settlement.awaitReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.ClusterPlayer;
import io.vidforge.testing.ClusterPlayer.Fetch;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.Settlement;
import io.vidforge.testing.TestTimings;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Case c of the failure matrix: PostgreSQL restarted while videos are processed. The cluster runs on a
 * PostgreSQL of this test's own ({@link PrivatePostgres}), so restarting it touches nothing else on the
 * machine. The database is down for 10 s, less than the lease (20 s here, 30 s by default): nothing of
 * what was running is lost, work finished meanwhile is reported once the database is back, every node
 * reconnects by itself, and a session that was playing keeps playing through the outage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseRestartTest {
    private static final Duration DOWN = Duration.ofSeconds(10);

    private PrivatePostgres postgres;
    private ClusterHarness cluster;
    private MediaClips clips;

    @BeforeAll
    void startCluster() throws Exception {
        ClusterHarness.requirePrerequisites();
        postgres = PrivatePostgres.start();
        clips = new MediaClips(Files.createTempDirectory("dbrestart-clips"));
        cluster = ClusterHarness.start("dbrestart", List.of("upload", "orchestrator", "worker", "worker", "segment"),
                TestTimings.with(TestTimings.PROCESS_CLUSTER, "DB_URL", postgres.jdbcUrl("postgres"),
                        // The outage (10 s) plus the pool's reconnect backoff (up to 5 s) stays within the lease.
                        "LEASE_SECONDS", "20", "MAX_ATTEMPTS", "4", "STALL_SECONDS", "120",
                        // The outage is timed against a whole-ladder TRANSCODE under way.
                        "TRANSCODE_SPLIT", "ladder"));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void postgresql_restarted_mid_processing_every_video_becomes_ready_once_and_every_node_reconnects_by_itself()
            throws Exception {
        // A video played before the outage: its session must keep playing while the database is down.
        String played = cluster.upload(clips.make(MediaClips.Clip.of("db-restart-played", 640, 360, 4.5, 2)), "db-played");
        awaitReady(cluster, played, Duration.ofMinutes(2));
        ClusterPlayer player = new ClusterPlayer(cluster.uri("/"), "db-outage", played);
        player.playThrough("240p").forEach(f -> assertTrue(f.ok(), f.toString()));

        List<String> ids = List.of(
                cluster.upload(clips.make(MediaClips.Clip.of("db-restart-a", 640, 360, 6, 2)), "db-a"),
                cluster.upload(clips.make(MediaClips.Clip.of("db-restart-b", 640, 360, 6.5, 2)), "db-b"),
                cluster.upload(clips.make(MediaClips.Clip.of("db-restart-c", 640, 360, 7, 2)), "db-c"));
        Await.until(Duration.ofMinutes(2), "a TRANSCODE under way", () -> cluster.queries().transcodesUnderWay(ids) > 0);
        List<Long> runningAtStop = cluster.queries().runningTaskIds(ids);
        long pidBefore = postgres.pid();

        Instant down = Instant.now();
        postgres.stopServer();
        assertFalse(postgres.accepting(), "the database is down");
        // What a client sees meanwhile: reads that need the database get a clear JSON 503.
        Http.Response read = Http.get(cluster.uri("/videos/" + ids.get(0)));
        assertEquals(503, read.status(), read.text());
        JsonNode error = Settlement.jsonOrNull(read);
        assertTrue(error != null && !error.path("error").path("code").asText().isBlank(), "a JSON error: " + read.text());
        // /health answers once the pool's connection timeout (5 s) has passed.
        Await.until(DOWN, "/health to report the database", () -> cluster.health("worker-1") == 503);
        // By now the segment node's copy of the played video is older than VIDEO_CACHE_SECONDS (5 s): it is
        // answered at once while a background read fails, so the session plays on (reading the database
        // first held each request past nginx's 3 s read timeout, which then took the node out).
        List<Fetch> during = player.replay();
        for (Fetch f : during) {
            assertTrue(f.ok(), "a session that was playing keeps playing without the database: " + f);
        }
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), down.plus(DOWN)).toMillis())); // the outage's length

        postgres.startServer();
        Instant back = Instant.now();
        assertNotEquals(pidBefore, postgres.pid(), "a new postmaster: the database really restarted");
        for (String id : ids) {
            awaitReady(cluster, id, Duration.ofMinutes(3));
        }
        Settlement.measured("DatabaseRestartTest", String.format("c) PostgreSQL down %d ms (%d task(s) running at the"
                + " stop); all 3 videos ready %d ms after it was back; a playing session got %d of %d requests"
                + " answered during the outage", Duration.between(down, back).toMillis(), runningAtStop.size(),
                Duration.between(back, Instant.now()).toMillis(), during.stream().filter(Fetch::ok).count(), during.size()));

        for (String id : ids) {
            assertSettled(cluster, id);
            assertEquals(0, cluster.events("TASK_FAILED", e -> id.equals(e.path("video_id").asText())).size());
        }
        // Work under way at the stop was not thrown away: a task that was running then completed at the
        // attempt it had (its report waited for the database), after the restart.
        List<JsonNode> carriedOver = cluster.events("TASK_COMPLETED", e -> runningAtStop.contains(e.path("task_id").asLong())
                && e.path("attempt").asInt() == 1 && Instant.parse(e.path("ts").asText()).isAfter(back));
        assertFalse(carriedOver.isEmpty(), "a task running at the stop completed after the restart at attempt 1: "
                + cluster.events("TASK_COMPLETED", e -> runningAtStop.contains(e.path("task_id").asLong())));
        assertClusterHealthy(cluster, Duration.ofSeconds(60));
        // And the database takes new work: an upload after the restart becomes ready.
        String after = cluster.upload(clips.make(MediaClips.Clip.of("db-restart-after", 640, 360, 3, 2)), "db-after");
        awaitReady(cluster, after, Duration.ofMinutes(2));
        assertSettled(cluster, after);
    }
}
