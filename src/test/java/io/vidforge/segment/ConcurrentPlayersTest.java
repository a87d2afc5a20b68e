package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many players at once on one node: every byte is S3's, and the cache still reads each object once. */
class ConcurrentPlayersTest {
    private static final int PLAYERS = 100;
    private static final int SEGMENTS = 10;
    private static final Pattern VARIANT_URI = Pattern.compile("^/s/([A-Za-z0-9_-]+)/[0-9a-f]{64}/([^/]+)/index\\.m3u8$",
            Pattern.MULTILINE);

    private SegmentTestNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** What one player did: requests made and mismatches found. */
    private record Outcome(String session, int requests, List<String> problems) {
    }

    @Test
    void a_hundred_concurrent_players_all_get_correct_bytes() throws Exception {
        Map<String, String> env = TestNodes.environment("players");
        AtomicReference<InstrumentedOrigin> ref = new AtomicReference<>();
        node = SegmentTestNode.start(env, "segment-1", Map.of(), o -> {
            ref.set(new InstrumentedOrigin(o));
            return ref.get();
        });
        InstrumentedOrigin origin = ref.get();
        List<FakeLadder.Published> videos = List.of(
                FakeLadder.publish(node.platform(), "players-a", 3, SEGMENTS, 30_000),
                FakeLadder.publish(node.platform(), "players-b", 3, SEGMENTS, 30_000));
        // The reference is what S3 holds, read straight from the bucket.
        ObjectStore s3 = TestS3.store(env);
        Map<String, byte[]> truth = new ConcurrentHashMap<>();
        for (FakeLadder.Published v : videos) {
            for (String key : v.objects().keySet()) {
                truth.put(key, s3.getBytes(key));
            }
        }
        URI base = node.uri("/");
        ExecutorService pool = Executors.newFixedThreadPool(PLAYERS);
        CyclicBarrier start = new CyclicBarrier(PLAYERS);
        List<Future<Outcome>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int p = 0; p < PLAYERS; p++) {
            int seed = p;
            futures.add(pool.submit((Callable<Outcome>) () -> {
                start.await(30, TimeUnit.SECONDS);
                return play(base, videos.get(seed % videos.size()), truth, new Random(seed));
            }));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> f : futures) {
            outcomes.add(f.get(180, TimeUnit.SECONDS));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdownNow();

        List<String> problems = outcomes.stream().flatMap(o -> o.problems().stream()).toList();
        assertEquals(List.of(), problems.subList(0, Math.min(10, problems.size())));
        int requests = outcomes.stream().mapToInt(Outcome::requests).sum();
        assertEquals(PLAYERS, outcomes.stream().map(Outcome::session).collect(Collectors.toSet()).size(),
                "every player had its own session");
        for (String key : truth.keySet()) {
            assertTrue(origin.reads(key) <= 1, key + " was read " + origin.reads(key) + " times");
        }
        List<JsonNode> serves = Await.value(Duration.ofSeconds(30), "every SERVE line", () -> {
            List<JsonNode> l = EventLogs.events(node.logDir(), "SERVE", e -> true);
            return l.size() >= requests ? l : null;
        });
        long hits = serves.stream().filter(e -> e.path("cache").asText().equals("HIT")).count();
        long withCache = serves.stream().filter(e -> e.has("cache")).count();
        System.out.printf("%d players, %d requests in %.1f s (%.0f req/s), hit ratio %.3f, %d origin reads%n",
                PLAYERS, requests, seconds, requests / seconds, hits / (double) withCache, origin.totalReads());
        assertTrue(hits > withCache * 0.8, "most requests were hits: " + hits + "/" + withCache);
    }

    /** master → a variant's playlist and init → all segments, switching variant once at a random point. */
    private static Outcome play(URI base, FakeLadder.Published video, Map<String, byte[]> truth, Random random) {
        List<String> problems = new ArrayList<>();
        int requests = 1;
        Http.Response master = Http.get(base.resolve("/play/" + video.videoId() + "/master.m3u8"));
        Matcher m = VARIANT_URI.matcher(master.text());
        if (master.status() != 200 || !m.find()) {
            return new Outcome("none-" + random.nextInt(), 1, List.of("master " + master.status()));
        }
        String session = m.group(1);
        List<String> variants = List.of("720p", "480p", "360p");
        String variant = variants.get(random.nextInt(3));
        int switchAt = 1 + random.nextInt(SEGMENTS - 1);
        requests += fetchHeaders(base, session, video, variant, truth, problems);
        for (int k = 0; k < SEGMENTS; k++) {
            if (k == switchAt) {
                String next = variants.get((variants.indexOf(variant) + 1 + random.nextInt(2)) % 3);
                variant = next;
                requests += fetchHeaders(base, session, video, variant, truth, problems);
            }
            String file = FakeLadder.Published.segment(k);
            check(Http.get(base.resolve(Playback.path(session, video.videoId(), variant, file))),
                    truth.get(video.variant(variant).prefix() + file), variant + "/" + file, problems);
            requests++;
        }
        return new Outcome(session, requests, problems);
    }

    private static int fetchHeaders(URI base, String session, FakeLadder.Published video, String variant,
                                    Map<String, byte[]> truth, List<String> problems) {
        for (String file : Set.of("index.m3u8", "init.mp4")) {
            check(Http.get(base.resolve(Playback.path(session, video.videoId(), variant, file))),
                    truth.get(video.variant(variant).prefix() + file), variant + "/" + file, problems);
        }
        return 2;
    }

    private static void check(Http.Response r, byte[] expected, String what, List<String> problems) {
        if (r.status() != 200) {
            problems.add(what + ": status " + r.status() + " " + r.text());
        } else if (!Arrays.equals(expected, r.body())) {
            problems.add(what + ": " + r.body().length + " bytes differ from S3's " + expected.length);
        }
    }
}
