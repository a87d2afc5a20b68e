package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Await;
import io.vidforge.testing.ChildNode;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same bytes uploaded at once to two upload <em>processes</em> (separate JVMs, one PostgreSQL, one
 * bucket): nothing one JVM holds (a lock, a map) can order them, so one video, one job and one object
 * prove that the database's primary key decides. The nodes' own logs must say the same: exactly one
 * UPLOAD_RECEIVED and an UPLOAD_DUPLICATE for every other upload. PostgreSQL only: H2 serves one process.
 */
@Tag("postgres-only")
class UploadProcessDedupTest {
    private static final int UPLOADS = 16;

    @Test
    void sixteen_identical_uploads_to_two_upload_processes_make_one_video_one_object_one_job_and_one_upload_received()
            throws Exception {
        Map<String, String> env = new HashMap<>(TestNodes.environment("upload-processes"));
        ObjectStore store = TestS3.store(env);
        byte[] video = SampleBytes.pseudoMp4(3_000_000, 7);
        Path logs = Path.of(env.get("DATA_DIR"), "logs");
        List<ChildNode> nodes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(UPLOADS);
        try {
            List<Future<ChildNode>> starting = new ArrayList<>();
            for (String id : List.of("upload-1", "upload-2")) { // both JVMs start at once: half the wait
                Map<String, String> nodeEnv = new HashMap<>(env);
                nodeEnv.put("NODE_ID", id);
                starting.add(pool.submit(() -> ChildNode.start(nodeEnv, "upload", List.of("-Xmx256m"))));
            }
            for (Future<ChildNode> f : starting) {
                nodes.add(f.get(120, TimeUnit.SECONDS));
            }
            assertTrue(nodes.get(0).pid() != nodes.get(1).pid() && nodes.get(0).pid() != ProcessHandle.current().pid());

            CyclicBarrier start = new CyclicBarrier(UPLOADS);
            List<Future<Http.Response>> futures = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                ChildNode target = nodes.get(i % 2);
                futures.add(pool.submit((Callable<Http.Response>) () -> {
                    start.await(30, TimeUnit.SECONDS);
                    return Http.post(target.baseUri().resolve("/upload"), video, "video/mp4");
                }));
            }
            Set<String> ids = new HashSet<>();
            int created = 0;
            for (Future<Http.Response> f : futures) {
                Http.Response r = f.get(120, TimeUnit.SECONDS);
                assertTrue(r.status() == 201 || r.status() == 200, r.status() + " " + r.text());
                created += r.status() == 201 ? 1 : 0;
                ids.add(r.json().get("video_id").asText());
            }
            assertEquals(1, ids.size(), "one video id");
            assertEquals(1, created, "exactly one upload created the video");
            String id = ids.iterator().next();

            try (Platform db = Platform.open(Settings.of(env).with(Map.of("NODE_ID", "test")), "test", Clock.systemUTC())) {
                assertEquals(1, db.videos().list(null, 100, null).size(), "one video row");
                assertEquals(1, db.jobs().count(id), "one job");
                assertEquals(List.of(db.videos().find(id).orElseThrow().rawKey()), store.list("raw/"),
                        "one raw object, the winner's; every duplicate removed its own");
            }

            // Both processes log before they answer; the wait only covers a slow file system.
            List<JsonNode> lines = Await.value(Duration.ofSeconds(30), "an upload line per upload", () -> {
                List<JsonNode> l = EventLogs.read(logs).stream().filter(e -> e.path("event").asText().startsWith("UPLOAD_")).toList();
                return l.size() >= UPLOADS ? l : null;
            });
            List<JsonNode> received = lines.stream().filter(e -> e.path("event").asText().equals("UPLOAD_RECEIVED")).toList();
            List<JsonNode> duplicates = lines.stream().filter(e -> e.path("event").asText().equals("UPLOAD_DUPLICATE")).toList();
            assertEquals(1, received.size(), "one UPLOAD_RECEIVED across both processes: " + lines);
            assertEquals(UPLOADS - 1, duplicates.size(), "an UPLOAD_DUPLICATE for every other upload: " + lines);
            assertEquals(UPLOADS, lines.size(), "no other upload line: " + lines);
            assertTrue(lines.stream().allMatch(e -> id.equals(e.path("video_id").asText())), "all for the one video");
            for (String node : List.of("upload-1", "upload-2")) {
                assertEquals(UPLOADS / 2, lines.stream().filter(e -> node.equals(e.path("node_id").asText())).count(),
                        node + " logged each upload it was sent");
            }
        } finally {
            pool.shutdownNow();
            for (ChildNode n : nodes) {
                n.close();
            }
        }
    }
}
