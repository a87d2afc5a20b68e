package io.vidforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.json.Json;
import io.vidforge.testing.Await;
import io.vidforge.testing.Browser;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.TestTimings;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Split and stitch on a real cluster (three worker processes, PostgreSQL, the S3 server process, nginx,
 * real ffmpeg; TRANSCODE_SPLIT=chunk, 2 s segments, 4 s chunks): one video's chunks are encoded by all three
 * workers at once and the stitched ladder plays in hls.js across its joins; a worker killed mid-chunk costs
 * that chunk alone a retry and the video is published once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChunkedProcessingTest {
    private static final Map<String, String> SETTINGS =
            TestTimings.with(TestTimings.PROCESS_CLUSTER, "TRANSCODE_SPLIT", "chunk", "CHUNK_SECONDS", "4");

    private ClusterHarness cluster;
    private MediaClips clips;

    @BeforeAll
    void startCluster() throws Exception {
        Browser.requireInstalled();
        cluster = ClusterHarness.start("chunked",
                List.of("upload", "orchestrator", "worker", "worker", "worker", "segment"), SETTINGS);
        clips = new MediaClips(Files.createTempDirectory("chunked-clips"));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<JsonNode> events(String name, String videoId, String kind) {
        return cluster.events(name, e -> videoId.equals(e.path("video_id").asText()) && kind.equals(e.path("kind").asText()));
    }

    @Test
    @Order(1)
    void the_chunks_of_one_video_spread_over_three_workers_and_the_stitched_ladder_plays_in_hls_js_across_the_joins()
            throws Exception {
        String id = cluster.upload(clips.make(MediaClips.Clip.of("chunked-14s", 640, 360, 14, 2)), "chunked");
        JsonNode video = cluster.awaitReady(id, Duration.ofMinutes(3));

        // The fan-out: the audio and three chunks of 4, 4 and 6 s, each chunk logged with its range.
        List<JsonNode> created = events("TASK_CREATED", id, "VIDEO_CHUNK");
        assertEquals(List.of("c0000-0s-4s", "c0001-4s-8s", "c0002-8s-end"),
                created.stream().map(e -> e.path("variant").asText()).sorted().toList());
        assertEquals(new TreeSet<>(List.of(0.0, 4.0, 8.0)),
                created.stream().map(e -> e.path("range_start_s").asDouble()).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(1, events("TASK_CREATED", id, "AUDIO").size());
        // Every worker encoded part of it.
        Set<String> encoders = cluster.events("TASK_COMPLETED", e -> id.equals(e.path("video_id").asText())
                        && Set.of("VIDEO_CHUNK", "AUDIO").contains(e.path("kind").asText()))
                .stream().map(e -> e.path("node_id").asText()).collect(Collectors.toSet());
        assertEquals(3, encoders.size(), "the chunks and the audio spread over three workers: " + encoders);
        cluster.assertOneStateChange(id, "ready");
        for (JsonNode v : video.path("variants")) {
            assertEquals(7, v.path("segments").asInt(), v.toString());
        }

        // hls.js in Chromium plays the stitched ladder from start to end: no stall, no error at any join.
        try (Browser browser = Browser.start(1000, 800)) {
            browser.open(cluster.uri("/player/?v=" + id + "&loop=0&session=chunked-play").toString());
            Await.value(Duration.ofSeconds(60), "the player to load the ladder", () -> {
                JsonNode now = vf(browser);
                return now != null && now.path("ready").asBoolean() ? now : null;
            });
            // Every player error and every stall ('waiting') from here on, at the media time it happened.
            browser.script("const v = document.getElementById('video'); window.joinTrouble = [];"
                    + "window.vf.hls.on('hlsError', (e, d) => window.joinTrouble.push({what: d.details, fatal: d.fatal, at: v.currentTime}));"
                    + "v.addEventListener('waiting', () => window.joinTrouble.push({what: 'waiting', fatal: false, at: v.currentTime}));");
            JsonNode vf = Await.value(Duration.ofSeconds(60), "the player to play to the end", () -> {
                JsonNode now = vf(browser);
                Object ended = browser.script("const v = document.getElementById('video'); return v.ended || v.currentTime > 13.5;");
                return now != null && Boolean.TRUE.equals(ended) ? now : null;
            });
            assertTrue(vf.path("engine").asText().startsWith("hls.js"), vf.path("engine").asText());
            vf.path("errors").forEach(e -> assertFalse(e.path("fatal").asBoolean(), "fatal hls.js error: " + e));
            // The joins are at 4 s and 8 s. (At 0 s hls.js may skip the video's B-frame delay before its first frame,
            // bufferSeekOverHole, as it does for any encode: not a join.)
            JsonNode trouble = Json.MAPPER.readTree((String) browser.script("return JSON.stringify(window.joinTrouble)"));
            List<JsonNode> midStream = new java.util.ArrayList<>();
            trouble.forEach(t -> {
                if (t.path("at").asDouble() >= 1.0 && t.path("at").asDouble() < 13.5) {
                    midStream.add(t);
                }
            });
            assertEquals(List.of(), midStream, "stalls or errors after the start: " + trouble + "; all errors: " + vf.path("errors"));
            Set<Integer> sns = new TreeSet<>();
            vf.path("fragments").forEach(f -> sns.add(f.path("sn").asInt()));
            assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6), sns, "every segment, across both joins (after 4 s and 8 s)");
        }
    }

    @Test
    @Order(2)
    void a_worker_killed_mid_chunk_costs_that_chunk_alone_a_retry_and_the_video_is_published_once() throws Exception {
        String id = cluster.upload(clips.make(MediaClips.Clip.of("chunked-kill-12s", 1280, 720, 12, 2)), "chunk-kill");
        Map<String, Object> running = Await.value(Duration.ofMinutes(3), "a VIDEO_CHUNK of " + id + " under way", () ->
                cluster.rows("SELECT task_id, owner, variant, progress FROM tasks WHERE video_id = ? AND kind = 'VIDEO_CHUNK'"
                        + " AND state = 'RUNNING' AND progress > 0.05 AND progress < 0.8 ORDER BY progress LIMIT 1", id)
                        .stream().findFirst().orElse(null));
        String victim = (String) running.get("owner");
        long taskId = ((Number) running.get("task_id")).longValue();
        cluster.kill(victim);
        try {
            cluster.awaitReady(id, Duration.ofMinutes(4));
        } finally {
            cluster.startNode(victim);
        }
        List<Map<String, Object>> chunks = cluster.rows("SELECT task_id, variant, attempt, state FROM tasks"
                + " WHERE video_id = ? AND kind IN ('VIDEO_CHUNK', 'AUDIO') ORDER BY task_id", id);
        for (Map<String, Object> c : chunks) {
            assertEquals("DONE", c.get("state"), c.toString());
            int attempt = ((Number) c.get("attempt")).intValue();
            if (((Number) c.get("task_id")).longValue() == taskId) {
                assertTrue(attempt >= 2, "the killed chunk ran again: " + c);
            } else {
                assertEquals(1, attempt, "only the killed chunk is retried: " + c);
            }
        }
        List<JsonNode> completed = cluster.events("TASK_COMPLETED", e -> e.path("task_id").asLong() == taskId);
        assertEquals(1, completed.size(), completed.toString());
        assertNotEquals(victim, completed.get(0).path("node_id").asText(), "another worker finished it");
        assertEquals(1, events("TASK_COMPLETED", id, "PUBLISH").size(), "one PUBLISH completion");
        cluster.assertOneStateChange(id, "ready");
        System.out.println("[measured] chunk " + running.get("variant") + " killed on " + victim + " at "
                + Math.round(100 * ((Number) running.get("progress")).doubleValue()) + " %; retried alone, published once");
    }

    private static JsonNode vf(Browser b) {
        Object json = b.script("return window.vf ? JSON.stringify(window.vf, (k, v) => k === 'hls' ? undefined : v) : null");
        try {
            return json == null ? null : Json.MAPPER.readTree((String) json);
        } catch (java.io.IOException e) {
            throw new AssertionError("window.vf is not JSON: " + json, e);
        }
    }
}
