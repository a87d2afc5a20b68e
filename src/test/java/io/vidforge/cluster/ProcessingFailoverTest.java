package io.vidforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusURLMemoryStore;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;
import io.vidforge.media.Ladder;
import io.vidforge.testing.Await;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.ClusterQueries;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestTimings;
import io.vidforge.upload.ContentId;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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
 * Processing survives the failures of whole processes: two upload nodes, two orchestrators, two workers and
 * a segment node behind nginx, on PostgreSQL and the S3 server process, with real ffmpeg. A worker killed
 * mid-transcode, the leading orchestrator killed, an upload node killed between two halves of a resumable
 * upload, and the whole cluster stopped and started again mid-processing: every video still becomes ready,
 * exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Mostly waits by the clock (leases running out, a standby's election, a whole cluster draining and
// starting): the class runs in the suite's second lane, beside the other classes (docs/testing.md, "Suite
// time"). Its cases share one cluster and run in order, one at a time: each is SAME_THREAD.
@Execution(ExecutionMode.CONCURRENT)
class ProcessingFailoverTest {
    private static final Map<String, String> SETTINGS =
            // Its cases kill and cut off the whole-ladder TRANSCODE mid-way; the chunked plan's failover is
            // ChunkedProcessingTest's.
            TestTimings.with(TestTimings.PROCESS_CLUSTER, "TUS_EXPIRY_SECONDS", "3600", "TRANSCODE_SPLIT", "ladder");

    private ClusterHarness cluster;
    private MediaClips clips;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ClusterHarness.start("processing",
                List.of("upload", "upload", "orchestrator", "orchestrator", "worker", "worker", "segment"), SETTINGS);
        clips = new MediaClips(Files.createTempDirectory("processing-clips"));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    @Execution(ExecutionMode.SAME_THREAD)
    void a_worker_killed_mid_transcode_loses_its_lease_and_the_video_is_still_published_exactly_once() throws Exception {
        Path clip = clips.make(MediaClips.Clip.of("worker-kill-24s", 640, 360, 24, 2));
        String id = cluster.upload(clip, "worker-kill");
        // Mid-transcode: ffmpeg has reported progress, the task is not done.
        ClusterQueries.RunningTask running = Await.value(Duration.ofMinutes(3), "a TRANSCODE of " + id + " under way",
                () -> cluster.queries().transcodeMidWay(id).orElse(null));
        String victim = running.owner();
        long taskId = running.taskId();
        long killedAt = System.currentTimeMillis();
        cluster.kill(victim);
        try {
            assertTrue(cluster.status().lines().anyMatch(l -> l.startsWith(victim) && l.trim().endsWith("DEAD")),
                    "./run.sh status shows the killed worker DEAD");
            JsonNode video = cluster.awaitReady(id, Duration.ofMinutes(4));
            measured(String.format("worker %s killed at %.0f%% of %s: video ready %d ms later (lease 4 s), attempts %s",
                    victim, 100 * running.progress(),
                    "".equals(running.variant()) ? "the whole ladder" : running.variant(),
                    System.currentTimeMillis() - killedAt, video.path("attempts")));
        } finally {
            cluster.startNode(victim);
        }

        cluster.assertOneStateChange(id, "ready");
        assertEquals(1, cluster.events("TASK_COMPLETED", e -> id.equals(e.path("video_id").asText())
                && "PUBLISH".equals(e.path("kind").asText())).size(), "one PUBLISH completion");
        List<JsonNode> expired = cluster.events("LEASE_EXPIRED", e -> e.path("task_id").asLong() == taskId);
        assertEquals(1, expired.size(), "the dead worker's lease expired: " + expired);
        assertEquals(victim, expired.get(0).path("owner").asText());
        assertFalse(cluster.events("TASK_RETRY", e -> e.path("task_id").asLong() == taskId).isEmpty(), "TASK_RETRY logged");
        List<JsonNode> completed = cluster.events("TASK_COMPLETED", e -> e.path("task_id").asLong() == taskId);
        assertEquals(1, completed.size(), completed.toString());
        assertNotEquals(victim, completed.get(0).path("node_id").asText(), "the other worker finished it");
        assertTrue(completed.get(0).path("attempt").asInt() >= 2, completed.toString());
        assertEquals(1, cluster.queries().jobs(id));
    }

    @Test
    @Order(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void the_standby_orchestrator_takes_over_when_the_leader_is_killed_and_work_goes_on() throws Exception {
        ClusterQueries.Leader lease = Await.value(Duration.ofSeconds(30), "a leader",
                () -> cluster.queries().orchestratorLeader(System.currentTimeMillis()).orElse(null));
        String leader = lease.owner();
        long term = lease.term();
        String standby = cluster.nodes("orchestrator").stream().map(ClusterHarness.NodeSpec::id)
                .filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        assertFalse(cluster.events("LEADER_ELECTED", e -> leader.equals(e.path("node_id").asText())).isEmpty(),
                "the leader logged LEADER_ELECTED");

        Instant killedAt = Instant.now();
        cluster.kill(leader);
        try {
            JsonNode elected = Await.value(Duration.ofSeconds(60), standby + " to lead", () -> cluster.events("LEADER_ELECTED",
                    e -> standby.equals(e.path("node_id").asText()) && e.path("term").asLong() > term).stream()
                    .findFirst().orElse(null));
            long takeover = Instant.parse(elected.path("ts").asText()).toEpochMilli() - killedAt.toEpochMilli();
            measured(String.format("leader %s killed: %s elected %d ms later (LEADER_LEASE_SECONDS 3, term %d -> %d)",
                    leader, standby, takeover, term, elected.path("term").asLong()));

            // Work continues under the new leader: a new upload is planned by it and becomes ready.
            String id = cluster.upload(clips.make(MediaClips.Clip.of("after-leader-4s", 640, 360, 4, 2)), "after-leader");
            cluster.awaitReady(id, Duration.ofMinutes(3));
            JsonNode started = cluster.assertOneStateChange(id, "processing");
            assertEquals(standby, started.path("node_id").asText(), "the new leader started the job");
            cluster.assertOneStateChange(id, "ready");
        } finally {
            cluster.startNode(leader);
        }
    }

    @Test
    @Order(3)
    @Execution(ExecutionMode.SAME_THREAD)
    void a_tus_upload_cut_off_mid_way_resumes_through_nginx_on_another_upload_node_byte_identical() throws Exception {
        byte[] video = SampleBytes.pseudoMp4(2_000_000, 4242);
        String sha = sha256(video);
        TusURLMemoryStore urls = new TusURLMemoryStore();

        // First half through nginx, then the connection is gone (the client keeps the upload URL).
        TusClient first = client();
        first.enableResuming(urls);
        TusUploader up = first.createUpload(upload(video));
        up.setChunkSize(1_000_000);
        up.setRequestPayloadSize(1_000_000);
        assertTrue(up.uploadChunk() > 0);
        up.finish(false);
        assertEquals(1_000_000, up.getOffset());
        String uploadId = path(up.getUploadURL()).substring("/uploads/".length());
        List<JsonNode> firstHalf = Await.value(Duration.ofSeconds(30), "the first half's TUS_CHUNK_STORED", () -> {
            List<JsonNode> l = cluster.events("TUS_CHUNK_STORED", e -> uploadId.equals(e.path("upload_id").asText()));
            return l.isEmpty() ? null : l;
        });
        String tookFirstHalf = firstHalf.get(0).path("node_id").asText();

        // The upload node that took it dies.
        cluster.kill(tookFirstHalf);
        try {
            // Later, the same client resumes through nginx: HEAD for the offset, then the rest.
            TusClient second = client();
            second.enableResuming(urls);
            TusUploader resumed = second.resumeUpload(upload(video));
            assertEquals(1_000_000, resumed.getOffset(), "resumes exactly where the first half ended");
            resumed.setChunkSize(1_000_000);
            resumed.setRequestPayloadSize(1_000_000);
            while (resumed.uploadChunk() > -1) {
                // send the rest
            }
            resumed.finish();

            Http.Response status = Http.get(cluster.uri("/uploads/" + uploadId));
            assertEquals(200, status.status(), status.text());
            String videoId = status.json().path("video_id").asText();
            assertEquals(ContentId.videoId(sha, Ladder.standard(2).profileId()), videoId, "the right video_id");
            String rawKey = cluster.queries().rawKey(videoId);
            try (InputStream in = cluster.store().get(rawKey)) {
                assertEquals(sha, sha256(in.readAllBytes()), "the raw object is byte-identical");
            }
            Set<String> secondHalf = cluster.events("TUS_CHUNK_STORED", e -> uploadId.equals(e.path("upload_id").asText())
                    && e.path("upload_offset").asLong() >= 1_000_000).stream().map(e -> e.path("node_id").asText())
                    .collect(Collectors.toSet());
            assertFalse(secondHalf.isEmpty());
            assertFalse(secondHalf.contains(tookFirstHalf), "another upload node took the rest: " + secondHalf);
            List<JsonNode> completed = cluster.events("TUS_UPLOAD_COMPLETED", e -> uploadId.equals(e.path("upload_id").asText()));
            assertEquals(1, completed.size());
            assertEquals(videoId, completed.get(0).path("video_id").asText());
            List<String> afterKill = cluster.accessLog().stream().filter(a -> a.uri().endsWith(uploadId))
                    .skip(1).map(a -> a.method() + " " + a.status() + " via [" + a.upstream() + "]").toList();
            for (ClusterHarness.Access a : cluster.accessLog()) {
                if (a.uri().endsWith(uploadId)) {
                    assertTrue(a.status() < 500, "no request of the upload failed at the client: " + a);
                }
            }
            measured("tus: first half on " + tookFirstHalf + " (killed), the rest on " + secondHalf
                    + "; nginx after the kill: " + afterKill);
        } finally {
            cluster.startNode(tookFirstHalf);
        }
    }

    @Test
    @Order(4)
    @Execution(ExecutionMode.SAME_THREAD)
    void stopping_and_starting_the_whole_cluster_mid_processing_loses_and_duplicates_nothing() throws Exception {
        // Enough work (three 14-16 s 480p sources, each a three-rung ladder, on two single-slot workers) that
        // the stop, which reaches the workers some 10 s after the upload nodes, lands mid-processing.
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.add(clips.make(MediaClips.Clip.of("restart-" + i, 854, 480, 14 + i, 2)));
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(cluster.upload(files.get(i), "restart-" + i));
        }
        Await.until(Duration.ofMinutes(3), "transcoding under way", () -> cluster.queries().transcodesRunning(ids) > 0);
        long t0 = System.currentTimeMillis();
        cluster.stopCluster();
        long stopMs = System.currentTimeMillis() - t0;
        for (ClusterHarness.NodeSpec n : cluster.nodes("upload")) {
            assertFalse(cluster.alive(n.id()));
        }
        long notReady = cluster.queries().videosNotReady(ids);
        assertTrue(notReady > 0, "the cluster stopped while videos were still processing");
        String before = cluster.queries().statuses(ids).toString();

        t0 = System.currentTimeMillis();
        cluster.startCluster();
        long startMs = System.currentTimeMillis() - t0;
        t0 = System.currentTimeMillis();
        for (String id : ids) {
            cluster.awaitReady(id, Duration.ofMinutes(5));
        }
        measured(String.format("whole cluster: stop %d ms, start %d ms, %d of 3 videos unfinished at the stop, all ready"
                + " %d ms after the start (%s)", stopMs, startMs, notReady, System.currentTimeMillis() - t0, before));

        for (String id : ids) {
            cluster.assertOneStateChange(id, "ready");
            assertEquals(1, cluster.events("TASK_COMPLETED", e -> id.equals(e.path("video_id").asText())
                    && "PUBLISH".equals(e.path("kind").asText())).size(), "published once: " + id);
            assertEquals(1, cluster.queries().jobs(id), "one job per upload");
            assertEquals(0, cluster.queries().tasksNotDone(id),
                    "every task done, none failed: " + id);
            assertEquals(1, cluster.events("UPLOAD_RECEIVED", e -> id.equals(e.path("video_id").asText())).size());
        }
        assertEquals(3, cluster.queries().videos(ids));
        // Playable after the restart.
        Http.Response master = Http.get(cluster.uri("/play/" + ids.get(0) + "/master.m3u8"));
        assertEquals(200, master.status(), master.text());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private TusClient client() throws Exception {
        TusClient c = new TusClient() {
            @Override
            public void prepareConnection(java.net.HttpURLConnection connection) {
                super.prepareConnection(connection);
                connection.setReadTimeout(60_000); // a lost response fails the test instead of hanging it
            }
        };
        c.setUploadCreationURL(new URL(cluster.uri("/uploads").toString()));
        return c;
    }

    private static TusUpload upload(byte[] data) {
        TusUpload u = new TusUpload();
        u.setSize(data.length);
        u.setInputStream(new ByteArrayInputStream(data));
        u.setFingerprint("cluster-" + sha256(data).substring(0, 16));
        u.setMetadata(Map.of("filename", "cut-off.mp4", "title", "Cut off"));
        return u;
    }

    @Test
    @Order(4)
    @Execution(ExecutionMode.SAME_THREAD)
    void live_progress_streams_through_nginx_as_it_happens_and_ends_at_ready() throws Exception {
        String id = cluster.upload(clips.make(MediaClips.Clip.of("sse-6s", 640, 360, 6, 2)), "sse");
        List<String> statusWhenSeen = new ArrayList<>();
        io.vidforge.testing.SseClient.Stream s = io.vidforge.testing.SseClient.read(cluster.uri("/videos/" + id + "/events"),
                Duration.ofMinutes(3), e -> {
                    if (statusWhenSeen.isEmpty()) {
                        // Read when the first event reaches the client: a buffering proxy would hold it back
                        // until the stream ends, when the video is already ready.
                        statusWhenSeen.add(cluster.video(id).path("status").asText());
                    }
                });
        assertEquals(200, s.status());
        assertTrue(s.closedByServer(), "the stream ends at ready");
        assertNotEquals("ready", statusWhenSeen.get(0), "the first event arrived while processing went on: " + s.events());
        List<String> statuses = s.events().stream().map(e -> e.path("status").asText()).toList();
        assertEquals("ready", statuses.get(statuses.size() - 1), statuses.toString());
        assertTrue(statuses.contains("processing"), statuses.toString());
        List<Double> progress = s.events().stream().map(e -> e.path("progress").asDouble()).toList();
        assertEquals(progress.stream().sorted().toList(), progress, "progress only grows");
        assertEquals(1.0, progress.get(progress.size() - 1));
    }

    private static String path(URL url) {
        return url.getPath();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void measured(String line) {
        System.out.println("[measured] " + line);
        try {
            Files.writeString(Path.of("target", "cluster-measurements.txt"), "ProcessingFailoverTest: " + line + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            // only a convenience copy
        }
    }
}
