package io.vidforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.ClusterHarness;
import io.vidforge.testing.ClusterPlayer;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A chaos run on a real cluster (processes, PostgreSQL, the S3 server process, nginx, ffmpeg): random
 * uploads of a few clips (so duplicates and re-uploads after deletes happen), deletes, forced reprocessing
 * and worker SIGKILLs, for {@code chaos.seconds} of workload (120 s in the suite, 3 min or more with the
 * settling, fsck and playback; {@code ./run.sh soak [SECONDS]} runs it longer), with the storage clean-up running at a short grace period. It ends with {@code ./run.sh fsck}
 * reporting nothing missing and no orphan past the grace period, every live video playing through nginx
 * and every deleted one answering 410.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The workload lasts 120 s by the clock whatever the machine does (the client's think time between actions):
// it runs in the suite's second lane, beside the other classes (docs/testing.md, "Suite time"). Its case is
// SAME_THREAD, as a second one on the same cluster would need to be.
@Execution(ExecutionMode.CONCURRENT)
class DeleteChaosTest {
    private static final int GRACE_SECONDS = 5;
    private static final int GC_INTERVAL_SECONDS = 3;
    private static final Pattern ORPHANS = Pattern.compile("orphans: (\\d+), (\\d+) older than the grace period");
    private static final Pattern MISSING = Pattern.compile("missing \\(referenced but not in the bucket\\): (\\d+)");

    private ClusterHarness cluster;
    private final List<Path> clips = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        MediaClips media = new MediaClips(Files.createTempDirectory("chaos-"));
        for (int i = 0; i < 5; i++) {
            clips.add(media.make(MediaClips.Clip.of("chaos-" + i, 320, 180, 2 + 0.5 * i, 2)));
        }
        Map<String, String> settings = new HashMap<>(Map.ofEntries(
                Map.entry("LEASE_SECONDS", "4"), Map.entry("HEARTBEAT_SECONDS", "1"),
                Map.entry("LEADER_LEASE_SECONDS", "3"), Map.entry("POLL_MILLIS", "250"),
                Map.entry("BACKOFF_BASE_SECONDS", "0.5"), Map.entry("BACKOFF_MAX_SECONDS", "2"),
                Map.entry("MAX_ATTEMPTS", "8"), Map.entry("STALL_SECONDS", "60"),
                Map.entry("WORKER_GRACE_SECONDS", "1"), Map.entry("SHUTDOWN_GRACE_SECONDS", "3"),
                Map.entry("VIDEO_CACHE_SECONDS", "1"),
                Map.entry("GC_GRACE_SECONDS", Integer.toString(GRACE_SECONDS)),
                Map.entry("GC_INTERVAL_SECONDS", Integer.toString(GC_INTERVAL_SECONDS))));
        cluster = ClusterHarness.start("chaos", List.of("upload", "orchestrator", "worker", "worker", "segment"),
                settings);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void random_uploads_deletes_reprocessing_and_worker_kills_end_with_a_clean_fsck_and_every_live_video_playing()
            throws Exception {
        Duration length = Duration.ofSeconds(Long.getLong("chaos.seconds", 120));
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        Random rnd = new Random(seed);
        Map<Integer, String> idOfClip = new HashMap<>();
        Set<String> ids = new LinkedHashSet<>();
        Map<String, Integer> actions = new TreeMap<>();
        Map<String, Instant> restartAt = new HashMap<>();
        List<String> workers = cluster.nodes("worker").stream().map(ClusterHarness.NodeSpec::id).toList();
        Instant end = Instant.now().plus(length);
        while (Instant.now().isBefore(end)) {
            for (Map.Entry<String, Instant> e : new ArrayList<>(restartAt.entrySet())) {
                if (Instant.now().isAfter(e.getValue())) {
                    cluster.startNode(e.getKey());
                    restartAt.remove(e.getKey());
                }
            }
            int dice = rnd.nextInt(100);
            String action;
            if (dice < 40 || idOfClip.isEmpty()) {
                int clip = rnd.nextInt(clips.size());
                Http.Response r = Http.post(cluster.uri("/upload?title=chaos"), Files.readAllBytes(clips.get(clip)),
                        "video/mp4");
                action = "upload_" + r.status();
                assertTrue(r.status() == 200 || r.status() == 201, "upload answered " + r.status() + " " + r.text());
                idOfClip.put(clip, r.json().get("video_id").asText());
                ids.add(r.json().get("video_id").asText());
            } else if (dice < 65) {
                String id = pick(rnd, ids);
                Http.Response r = Http.method(cluster.uri("/videos/" + id), "DELETE", null);
                action = "delete_" + r.status();
                assertEquals(202, r.status(), r.text());
            } else if (dice < 78) {
                String id = pick(rnd, ids);
                Http.Response r = Http.post(cluster.uri("/videos/" + id + "/process?force=true"), new byte[0], null);
                action = "reprocess_" + r.status();
                assertTrue(r.status() == 202 || r.status() == 410, "reprocess answered " + r.status() + " " + r.text());
            } else if (dice < 84 && restartAt.isEmpty()) {
                String w = workers.get(rnd.nextInt(workers.size()));
                cluster.kill(w);
                restartAt.put(w, Instant.now().plusMillis(2000 + rnd.nextInt(4000)));
                action = "kill_worker";
            } else {
                String id = pick(rnd, ids);
                Http.Response r = Http.get(cluster.uri("/videos/" + id));
                action = "get_" + r.status();
                assertEquals(200, r.status(), r.text());
            }
            actions.merge(action, 1, Integer::sum);
            // Pacing of the workload (a client's think time), not a wait for a condition.
            Thread.sleep(100 + rnd.nextInt(300));
        }
        restartAt.keySet().forEach(cluster::startNode);
        String context = "seed " + seed + " (-Dchaos.seed), actions " + actions;

        Map<String, String> finalStatus = new HashMap<>();
        for (String id : ids) {
            JsonNode v = Await.value(Duration.ofMinutes(3), "video " + id + " settles; " + context, () -> {
                JsonNode j = Http.get(cluster.uri("/videos/" + id)).json();
                String s = j.path("status").asText();
                return s.equals("ready") || s.equals("deleted") || s.equals("failed") ? j : null;
            });
            finalStatus.put(id, v.path("status").asText());
            assertTrue(!v.path("status").asText().equals("failed"), "no video fails: " + v + "; " + context);
        }

        // The clean-up needs the grace period and two passes after the last change: fsck until it agrees.
        ClusterHarness.Result fsck = Await.value(Duration.ofSeconds(GRACE_SECONDS + 6L * GC_INTERVAL_SECONDS + 60),
                "fsck: nothing missing, no orphan past the grace period; " + context, () -> {
                    ClusterHarness.Result r = cluster.run(Duration.ofSeconds(60), "fsck");
                    Matcher o = ORPHANS.matcher(r.output());
                    Matcher m = MISSING.matcher(r.output());
                    assertTrue(o.find() && m.find(), "fsck printed its summary: " + r.output());
                    assertEquals("0", m.group(1), "nothing referenced is missing: " + r.output() + "; " + context);
                    assertEquals(0, r.exitCode(), r.output());
                    return o.group(2).equals("0") ? r : null;
                });

        int played = 0;
        for (String id : ids) {
            if (finalStatus.get(id).equals("deleted")) {
                assertEquals(410, Http.get(cluster.uri("/play/" + id + "/master.m3u8")).status(), context);
                continue;
            }
            JsonNode v = Http.get(cluster.uri("/videos/" + id)).json();
            JsonNode variants = v.path("variants");
            String lowest = variants.get(variants.size() - 1).path("name").asText();
            for (ClusterPlayer.Fetch f : new ClusterPlayer(cluster.uri(""), "chaos" + played, id).playThrough(lowest)) {
                assertTrue(f.ok(), "live video " + id + " plays: " + f + "; " + context);
            }
            played++;
        }
        System.out.println("chaos run: " + context + "; " + played + " live videos played, "
                + (ids.size() - played) + " deleted; last fsck:\n" + fsck.output());
    }

    private static String pick(Random rnd, Set<String> ids) {
        List<String> l = new ArrayList<>(ids);
        return l.get(rnd.nextInt(l.size()));
    }
}
