package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What every case of the failure matrix must end with, whatever failed: each video {@code ready} or
 * {@code failed} with a reason, nothing duplicated (one job, one final state change, one publish, no
 * variant twice), nothing lost (every upload still there, every task finished), every node healthy
 * again, and no scratch files left behind.
 */
public final class Settlement {
    private Settlement() {
    }

    /**
     * The video once it is {@code ready} or {@code failed}. Reads through nginx; a 502/503 while nginx has
     * every API node marked down (after an outage) is read as "not yet".
     */
    public static JsonNode awaitSettled(ClusterHarness cluster, String videoId, Duration timeout) {
        return VideoWait.settled(cluster.uri("/videos/" + videoId), timeout);
    }

    public static JsonNode awaitReady(ClusterHarness cluster, String videoId, Duration timeout) {
        JsonNode v = awaitSettled(cluster, videoId, timeout);
        assertEquals("ready", v.path("status").asText(), "video " + videoId + " became ready: " + v);
        return v;
    }

    /** Every guarantee of a settled video, from the API, the database and the event logs. */
    public static void assertSettled(ClusterHarness cluster, String videoId) {
        JsonNode v = Http.get(cluster.uri("/videos/" + videoId)).json();
        String status = v.path("status").asText();
        assertTrue(Set.of("ready", "failed").contains(status), "settled: " + v);
        ClusterQueries db = cluster.queries();
        assertEquals(1, db.videos(List.of(videoId)), "not lost");
        assertEquals(1, db.jobs(videoId), "one job: " + videoId);
        assertEquals(1, cluster.events("UPLOAD_RECEIVED", e -> videoId.equals(e.path("video_id").asText())).size(),
                "one upload: " + videoId);
        // The database's history is written in the same transaction as the change: exactly one final entry.
        // The event line is written just after the commit, so a SIGKILL of that worker in between can lose
        // it (seen once in the random-kill case); the log must never show a second one.
        assertEquals(1, db.finalStateChanges(videoId), "one final state change in the history of " + videoId);
        List<JsonNode> finals = cluster.events("STATE_CHANGE", e -> videoId.equals(e.path("video_id").asText())
                && Set.of("ready", "failed").contains(e.path("to").asText()));
        assertTrue(finals.size() <= 1, "at most one final state change logged for " + videoId + ": " + finals);
        finals.forEach(f -> assertEquals(status, f.path("to").asText()));
        assertEquals(0, db.unfinishedTasks(videoId), () -> "no task left behind: " + db.taskSummary(videoId));
        if ("ready".equals(status)) {
            assertEquals(1, db.publishesDone(videoId), "published once: " + videoId);
            assertTrue(cluster.events("TASK_COMPLETED", e -> videoId.equals(e.path("video_id").asText())
                    && "PUBLISH".equals(e.path("kind").asText())).size() <= 1, "publish logged at most once: " + videoId);
            assertTrue(v.path("error").isNull(), v.toString());
            Set<String> names = new HashSet<>();
            for (JsonNode variant : v.path("variants")) {
                assertTrue(names.add(variant.path("name").asText()), "no variant twice: " + v.path("variants"));
            }
            assertFalse(names.isEmpty(), "ready with variants: " + v);
            assertEquals(0, db.tasksNotDone(videoId),
                    "every task of a ready video done");
        } else {
            JsonNode error = v.path("error");
            assertFalse(error.path("code").asText().isBlank(), "failed with a code: " + v);
            assertFalse(error.path("message").asText().isBlank(), "failed with a reason: " + v);
            assertEquals(0, cluster.events("TASK_COMPLETED", e -> videoId.equals(e.path("video_id").asText())
                    && "PUBLISH".equals(e.path("kind").asText())).size(), "a failed video was never published");
        }
    }

    /** Every node answers GET /health 200 again, nobody restarted it, and no worker kept scratch files. */
    public static void assertClusterHealthy(ClusterHarness cluster, Duration timeout) throws IOException {
        cluster.awaitAllHealthy(timeout);
        for (String id : cluster.nodeIds()) {
            assertTrue(cluster.alive(id), id + " runs");
        }
        for (ClusterHarness.NodeSpec w : cluster.nodes("worker")) {
            Await.until(Duration.ofSeconds(30), w.id() + " to hold no scratch files between attempts",
                    () -> scratchFiles(cluster.workDir(w.id())) == 0 || busy(cluster, w.id()));
        }
    }

    private static boolean busy(ClusterHarness cluster, String workerId) {
        return cluster.queries().runningTasksOf(workerId) > 0;
    }

    public static long scratchFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            return 0; // an attempt's directory vanished while it was walked: it is being cleaned up
        }
    }

    /** The body of a response as JSON, or null when it is not JSON. */
    public static JsonNode jsonOrNull(Http.Response r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            return null;
        }
    }

    public static void measured(String test, String line) {
        System.out.println("[measured] " + line);
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "cluster-measurements.txt"), test + ": " + line + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // only a convenience copy
        }
    }
}
