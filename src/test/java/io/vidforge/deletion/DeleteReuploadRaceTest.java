package io.vidforge.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.Platform;
import io.vidforge.bucket.BucketCheck;
import io.vidforge.bucket.GcSettings;
import io.vidforge.config.Role;
import io.vidforge.db.VideoRefs;
import io.vidforge.model.VideoStatus;
import io.vidforge.orchestrator.StorageCollector;
import io.vidforge.testing.Await;
import io.vidforge.testing.ChildNode;
import io.vidforge.testing.Http;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.SampleBytes;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Delete versus re-upload of the same bytes, 50 rounds of two operations started together at random
 * offsets, on two upload nodes that are separate processes (PostgreSQL), with the storage clean-up
 * running all the while with no grace period. However they interleave, the end state is consistent: a
 * live video has its raw object and every published object and plays; a deleted one leaves nothing in
 * the bucket after the sweep.
 */
@Tag("postgres-only")
class DeleteReuploadRaceTest {
    private static final int ROUNDS = 50;
    private static final int CONTENTS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private LiveCluster cluster;
    private final List<ChildNode> uploads = new ArrayList<>();
    private Node local;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new LiveCluster("delete-race", Map.of("GC_GRACE_SECONDS", "0", "GC_INTERVAL_SECONDS", "0.3",
                "VIDEO_CACHE_SECONDS", "0.5"));
        local = cluster.node("orch-1", Role.ORCHESTRATOR, Role.SEGMENT);
        cluster.media.writeTo = local.platform().store();
        cluster.worker("worker-1", Map.of("WORKER_CONCURRENCY", "2"));
        ExecutorService starter = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<ChildNode>> started = new ArrayList<>();
            for (String id : List.of("upload-a", "upload-b")) {
                Map<String, String> env = new HashMap<>(cluster.env);
                env.put("NODE_ID", id);
                started.add(CompletableFuture.supplyAsync(() -> ChildNode.start(env, "upload", List.of("-Xmx256m")),
                        starter));
            }
            for (CompletableFuture<ChildNode> f : started) {
                uploads.add(f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            starter.shutdown();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ChildNode n : uploads) {
            n.close();
        }
        cluster.close();
    }

    @Test
    void delete_and_re_upload_of_the_same_bytes_across_two_upload_processes_always_end_consistent() throws Exception {
        long seed = System.nanoTime();
        long t0 = System.nanoTime();
        Random rnd = new Random(seed);
        Platform p = local.platform();
        Map<String, byte[]> contents = new HashMap<>();
        for (int c = 0; c < CONTENTS; c++) {
            contents.put("c" + c, SampleBytes.pseudoMp4(30_000, 1000 + c));
        }
        Map<String, String> idOf = new ConcurrentHashMap<>();
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger expired = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String content = "c" + rnd.nextInt(CONTENTS);
                List<Runnable> ops = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    URI node = uploads.get(rnd.nextInt(2)).baseUri();
                    int delayMs = rnd.nextInt(25);
                    boolean upload = rnd.nextBoolean() || !idOf.containsKey(content);
                    ops.add(() -> {
                        sleep(delayMs);
                        Http.Response r = upload
                                ? uploadAsAClientWould(node, contents.get(content), expired)
                                : Http.method(node.resolve("/videos/" + idOf.get(content)), "DELETE", null);
                        if (upload && r.status() / 100 == 2) {
                            idOf.put(content, r.json().get("video_id").asText());
                        }
                        statuses.merge(r.status() / 100 == 2 ? String.valueOf(r.status())
                                : r.status() + " " + errorCode(r), 1, Integer::sum);
                    });
                }
                CountDownLatch done = new CountDownLatch(ops.size());
                ops.forEach(op -> pool.execute(() -> {
                    try {
                        op.run();
                    } finally {
                        done.countDown();
                    }
                }));
                assertTrue(done.await(60, TimeUnit.SECONDS), "round " + round + " finished");
            }
        } finally {
            pool.shutdownNow();
        }
        String context = "seed " + seed + ", answers " + statuses + ", uploads retried after UPLOAD_EXPIRED "
                + expired;
        long t1 = System.nanoTime();
        assertTrue(statuses.keySet().stream().allMatch(s -> s.equals("200") || s.equals("201") || s.equals("202")),
                context);

        // Settle: every live video processed, then the clean-up with no grace, two passes past the last change.
        for (String id : idOf.values()) {
            Await.until(TIMEOUT, "video " + id + " settles (" + context + ")", () -> {
                VideoStatus s = p.videos().find(id).orElseThrow().status();
                return s == VideoStatus.READY || s == VideoStatus.DELETED;
            });
        }
        StorageCollector gc = new StorageCollector(p.store(), p.sql(), p.videos(),
                new GcSettings(Duration.ZERO, Duration.ofSeconds(1), 10_000, 10_000), p.events(Role.ORCHESTRATOR),
                Clock.systemUTC());
        for (int i = 0; i < 3; i++) {
            gc.runPass();
        }
        BucketCheck.Report r = new BucketCheck(p.store(), p.sql(), p.videos(), Clock.systemUTC(), Duration.ZERO)
                .run(Optional.empty());
        assertEquals(List.of(), r.missing(), "no live video lost an object; " + context);
        assertEquals(List.of(), r.orphans(), "nothing of a deleted video (or of a losing upload) is left; " + context);

        int live = 0;
        for (String id : idOf.values()) {
            VideoRefs v = p.videos().refs(id).orElseThrow();
            int status = Http.get(local.baseUri().resolve("/play/" + id + "/master.m3u8")).status();
            if (v.status() == VideoStatus.READY) {
                live++;
                assertTrue(p.store().exists(v.rawKey()), "a live video has its raw object; " + context);
                assertEquals(200, status, "a live video plays; " + context);
            } else {
                Supplier<Integer> play = () -> Http.get(local.baseUri().resolve("/play/" + id + "/master.m3u8")).status();
                Await.until(Duration.ofSeconds(5), "deleted video refused", () -> play.get() == 410);
                assertTrue(p.store().list("videos/" + id + "/").isEmpty(), "a deleted video leaves nothing; " + context);
            }
        }
        System.out.println("delete/re-upload race: " + context + ", " + live + " of " + idOf.size()
                + " live at the end; rounds " + (t1 - t0) / 1_000_000 + " ms, settle and check "
                + (System.nanoTime() - t1) / 1_000_000 + " ms");
    }

    /**
     * POST /upload, and again on 503 UPLOAD_EXPIRED, as that answer asks: with no grace period the clean-up
     * may collect an upload's object before a node slowed by the machine's load records it. That answer is
     * the guarantee (nothing half-recorded, the client told to retry), so it is retried, never accepted as
     * an end state; any other refusal fails the test.
     */
    private static Http.Response uploadAsAClientWould(URI node, byte[] body,
                                                      java.util.concurrent.atomic.AtomicInteger expired) {
        Http.Response r = Http.post(node.resolve("/upload"), body, "video/mp4");
        for (int i = 0; i < 3 && r.status() == 503 && "UPLOAD_EXPIRED".equals(errorCode(r)); i++) {
            expired.incrementAndGet();
            r = Http.post(node.resolve("/upload"), body, "video/mp4");
        }
        return r;
    }

    private static String errorCode(Http.Response r) {
        try {
            return r.json().path("error").path("code").asText("?");
        } catch (RuntimeException e) {
            return "not JSON";
        }
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
