package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.events.EventLog;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.storage.StorageException;
import io.vidforge.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-ahead on its own, over an in-memory origin whose reads a test can hold or fail, with its
 * PREFETCH_START and PREFETCH_RESULT lines taken from the event log as they are emitted: what it reads
 * ahead for each trigger, where it stops, what each outcome reports, and how it sheds load and shuts down.
 * ReadAheadTest covers the same through a node and a player; this one runs in milliseconds and can force
 * the races (a read already running, a full executor, a shutdown mid-read) that a player cannot.
 */
class ReadAheadSchedulingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int SEGMENTS = 10;

    @TempDir
    Path logDir;

    private final List<Logged> logged = new CopyOnWriteArrayList<>();
    private final FakeOrigin origin = new FakeOrigin();
    private final SegmentCache cache = new SegmentCache(origin, 64L << 20);
    private final Variant hd = variant("720p", SEGMENTS);
    private final Variant sd = variant("480p", SEGMENTS);
    // A variant whose segment count is not known (0): the origin's 404 tells where it ends.
    private final Variant open = variant("360p", 0);
    private final Video video = new Video("v1", "sha", "test-profile", VideoStatus.READY, "t", "t.mp4", "video/mp4",
            1, "raw/v1", 1, null, List.of(hd, sd, open), null, null, 0, 0);
    // Unique per test run: PIT runs a test many times in one JVM, and a closed executor's threads end lazily.
    private final String nodeId = "ra" + System.nanoTime();
    private EventLog log;
    private ReadAhead readAhead;
    private long startedNanos;

    /** One PREFETCH_START or PREFETCH_RESULT line. */
    private record Logged(String event, Map<String, Object> fields) {
        Object get(String field) {
            return fields.get(field);
        }

        long id() {
            return ((Number) fields.get("prefetch_id")).longValue();
        }

        boolean about(String session, String variant, String kind, Integer segment) {
            return session.equals(get("session_id")) && variant.equals(get("variant")) && kind.equals(get("kind"))
                    && Objects.equals(segment, get("segment"));
        }
    }

    /** Objects in memory; reads are counted, and a test may hold a key's read or fail it once. */
    private static final class FakeOrigin implements Origin {
        final Map<String, byte[]> objects = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        final Map<String, RuntimeException> failOnce = new ConcurrentHashMap<>();

        @Override
        public byte[] read(String key) {
            reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            CountDownLatch gate = gates.get(key);
            if (gate != null) {
                try {
                    if (!gate.await(20, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the read of " + key + " was never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("the read of " + key + " was interrupted", e);
                }
            }
            RuntimeException failure = failOnce.remove(key);
            if (failure != null) {
                throw failure;
            }
            byte[] b = objects.get(key);
            if (b == null) {
                throw new StorageException("get " + key + ": NoSuchKey", null, true);
            }
            return b;
        }

        int reads(String key) {
            AtomicInteger n = reads.get(key);
            return n == null ? 0 : n.get();
        }

        /** Holds every read of {@code key} until the returned latch is counted down. */
        CountDownLatch hold(String key) {
            CountDownLatch gate = new CountDownLatch(1);
            gates.put(key, gate);
            return gate;
        }

        void awaitReading(String key) {
            Await.until(WAIT, "a read of " + key, () -> reads(key) > 0);
        }

        void releaseAll() {
            gates.values().forEach(CountDownLatch::countDown);
        }
    }

    @BeforeEach
    void setUp() {
        startedNanos = System.nanoTime();
        log = EventLog.open(logDir, "ra");
        log.addListener((role, event, fields) -> {
            if (event.startsWith("PREFETCH_")) {
                logged.add(new Logged(event, Map.copyOf(fields)));
            }
        });
        for (Variant v : List.of(hd, sd)) {
            store(v.prefix() + "index.m3u8", 50);
            store(v.prefix() + "init.mp4", 80);
            for (int k = 0; k < SEGMENTS; k++) {
                store(v.prefix() + PlaybackFile.segment(k).name(), 1_000 + k);
            }
        }
        for (int k = 0; k < 5; k++) {
            store(open.prefix() + PlaybackFile.segment(k).name(), 500 + k);
        }
    }

    @AfterEach
    void tearDown() {
        origin.releaseAll(); // before close, so close does not wait for a held read
        if (readAhead != null) {
            readAhead.close();
        }
        log.close();
    }

    private static Variant variant(String name, int segments) {
        return new Variant(name, 1280, 720, 3_000_000, 2_500_000, "avc1.640028", 30, segments, 4,
                "videos/v1/1/" + name + "/");
    }

    private void store(String key, int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) key.hashCode());
        origin.objects.put(key, b);
    }

    private ReadAhead start(int depth, int threads, int queue) {
        readAhead = new ReadAhead(cache, new PlaybackEvents(log.forRole("segment")), depth, threads, queue, nodeId);
        readAhead.start();
        return readAhead;
    }

    private PlaybackTarget at(String session, Variant v, PlaybackFile file) {
        return new PlaybackTarget(session, video, v, file);
    }

    private PlaybackTarget segment(String session, Variant v, int k) {
        return at(session, v, PlaybackFile.segment(k));
    }

    private static String key(Variant v, int k) {
        return v.prefix() + PlaybackFile.segment(k).name();
    }

    private List<Logged> lines(String event, String session, String variant, String kind, Integer segment) {
        return logged.stream().filter(l -> l.event().equals(event) && l.about(session, variant, kind, segment)).toList();
    }

    private List<Logged> results(String session) {
        return logged.stream().filter(l -> l.event().equals("PREFETCH_RESULT") && session.equals(l.get("session_id")))
                .toList();
    }

    /** The one PREFETCH_RESULT about this file, once it is there (kind "segment", segment null: NO_NEXT_SEGMENT). */
    private Logged result(String session, Variant v, String kind, Integer segment) {
        return Await.value(WAIT, "the PREFETCH_RESULT of " + v.name() + " " + kind + " " + segment, () -> {
            List<Logged> found = lines("PREFETCH_RESULT", session, v.name(), kind, segment);
            return found.isEmpty() ? null : found;
        }).getFirst();
    }

    /** The FETCHED result of segment k, once it is there (after other triggers' results for it). */
    private Logged fetched(String session, Variant v, int k) {
        return Await.value(WAIT, "the fetch of " + v.name() + " segment " + k, () -> lines("PREFETCH_RESULT", session,
                v.name(), "segment", k).stream().filter(l -> "FETCHED".equals(l.get("result"))).findFirst().orElse(null));
    }

    private Logged segmentResult(String session, Variant v, int k) {
        return result(session, v, "segment", k);
    }

    /** Every prefetch that was started has exactly one result with its id; a NO_NEXT_SEGMENT result has no start. */
    private void assertOneStartAndOneResultEach() {
        Set<Long> ids = new HashSet<>();
        for (Logged start : logged.stream().filter(l -> l.event().equals("PREFETCH_START")).toList()) {
            assertTrue(ids.add(start.id()), "prefetch ids are unique: " + start);
            List<Logged> matching = logged.stream()
                    .filter(l -> l.event().equals("PREFETCH_RESULT") && l.id() == start.id()).toList();
            assertEquals(1, matching.size(), "one result for " + start + ": " + matching);
            assertEquals(start.get("trigger"), matching.getFirst().get("trigger"));
            assertEquals(start.get("trigger_segment"), matching.getFirst().get("trigger_segment"));
            assertEquals(start.get("segment"), matching.getFirst().get("segment"));
        }
        for (Logged r : logged.stream().filter(l -> l.event().equals("PREFETCH_RESULT")).toList()) {
            boolean started = ids.contains(r.id());
            if (!started) {
                assertEquals("NO_NEXT_SEGMENT", r.get("result"), "only a NO_NEXT_SEGMENT result has no start: " + r);
                assertNull(r.get("segment"), r.toString());
            }
        }
        assertEquals(logged.stream().filter(l -> l.event().equals("PREFETCH_RESULT")).map(Logged::id).distinct().count(),
                logged.stream().filter(l -> l.event().equals("PREFETCH_RESULT")).count(), "result ids are unique");
    }

    private void assertFetched(Logged r, String key) {
        assertEquals("FETCHED", r.get("result"), r.toString());
        assertEquals((long) origin.objects.get(key).length, r.get("bytes"), r.toString());
        assertNull(r.get("error"), r.toString());
        double took = ((Number) r.get("duration_ms")).doubleValue();
        double sinceTestStart = (System.nanoTime() - startedNanos) / 1e6;
        assertTrue(took >= 0 && took <= sinceTestStart, "duration " + took + " ms within the test's " + sinceTestStart);
    }

    @Test
    void a_served_segment_reads_the_next_segments_up_to_the_depth_once_each_and_cached_ones_are_not_read_again() {
        start(3, 2, 16);
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        for (int k = 3; k <= 5; k++) {
            Logged r = segmentResult("s", hd, k);
            assertFetched(r, key(hd, k));
            assertEquals("next", r.get("trigger"));
            assertEquals(2, r.get("trigger_segment"));
            assertTrue(cache.contains(key(hd, k)), "segment " + k + " is in the cache");
            assertEquals(1, origin.reads(key(hd, k)), "segment " + k + " read once");
        }
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        assertEquals(0, origin.reads(key(hd, 6)), "no further than the depth");
        assertEquals(0, origin.reads(key(hd, 2)), "not the served segment");
        assertEquals(3, results("s").size());

        // The player asks for segment 3: 4 and 5 are cached already, only 6 is read.
        readAhead.afterServe(segment("s", hd, 3), Optional.empty());
        assertFetched(segmentResult("s", hd, 6), key(hd, 6));
        for (int k = 4; k <= 5; k++) {
            Logged r = lines("PREFETCH_RESULT", "s", "720p", "segment", k).getLast();
            assertEquals("ALREADY_CACHED", r.get("result"), r.toString());
            assertNull(r.get("bytes"), "only a fetch reports bytes: " + r);
            assertEquals(3, r.get("trigger_segment"));
            assertEquals(1, origin.reads(key(hd, k)), "segment " + k + " still read once");
        }
        assertOneStartAndOneResultEach();
    }

    @Test
    void past_the_last_segment_there_is_one_NO_NEXT_SEGMENT_result_and_no_read() {
        start(3, 2, 16);
        readAhead.afterServe(segment("s", hd, 8), Optional.empty());
        assertFetched(segmentResult("s", hd, 9), key(hd, 9));
        Logged end = result("s", hd, "segment", null);
        assertEquals("NO_NEXT_SEGMENT", end.get("result"));
        assertEquals(8, end.get("trigger_segment"));
        assertEquals("next", end.get("trigger"));
        assertTrue(lines("PREFETCH_START", "s", "720p", "segment", 10).isEmpty(), "segment 10 does not exist");
        assertEquals(0, origin.reads(hd.prefix() + "seg_00010.m4s"));
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        assertEquals(2, results("s").size(), "segment 9 and the end: " + results("s"));

        // After the last segment: nothing to read, the end reported at once.
        readAhead.afterServe(segment("t", hd, 9), Optional.empty());
        assertEquals(List.of("NO_NEXT_SEGMENT"), results("t").stream().map(r -> r.get("result")).toList());
        assertEquals(9, results("t").getFirst().get("trigger_segment"));
        assertOneStartAndOneResultEach();
    }

    @Test
    void a_variant_of_unknown_length_ends_where_the_origin_has_no_next_segment() {
        start(2, 2, 16);
        readAhead.afterServe(segment("s", open, 3), Optional.empty());
        assertFetched(segmentResult("s", open, 4), key(open, 4));
        Logged missing = segmentResult("s", open, 5);
        assertEquals("NO_NEXT_SEGMENT", missing.get("result"), "the origin's 404 on a segment: " + missing);
        assertNull(missing.get("error"), missing.toString());
        assertEquals(1, origin.reads(key(open, 5)));

        // The highest segment number there can be: the one before it is still tried, none after it.
        readAhead.afterServe(segment("u", open, 99_998), Optional.empty());
        assertEquals("NO_NEXT_SEGMENT", segmentResult("u", open, 99_999).get("result"));
        assertEquals("NO_NEXT_SEGMENT", result("u", open, "segment", null).get("result"));
        assertEquals(1, lines("PREFETCH_START", "u", "360p", "segment", 99_999).size());
        assertEquals(2, results("u").size(), results("u").toString());
        assertOneStartAndOneResultEach();
    }

    @Test
    void a_playlist_reads_the_init_segment_and_the_segment_the_session_plays_next_in_that_variant() {
        start(1, 2, 16);
        // A new session: the init segment and segment 0, triggered by the start, not by a segment.
        readAhead.afterServe(at("s", hd, PlaybackFile.PLAYLIST), Optional.empty());
        Logged init = result("s", hd, "init", null);
        assertFetched(init, hd.prefix() + "init.mp4");
        assertEquals("start", init.get("trigger"));
        assertNull(init.get("trigger_segment"));
        Logged first = segmentResult("s", hd, 0);
        assertFetched(first, key(hd, 0));
        assertEquals("start", first.get("trigger"));
        assertNull(first.get("trigger_segment"));

        // Serving the init segment reads the next segment ahead, not the init segment again.
        readAhead.afterServe(at("s", hd, PlaybackFile.INIT), Optional.empty());
        Await.until(WAIT, "the second start result", () -> lines("PREFETCH_RESULT", "s", "720p", "segment", 0).size() == 2);
        assertEquals(1, lines("PREFETCH_START", "s", "720p", "init", null).size());

        // The session plays 0..3 in 720p, then switches to 480p: its playlist reads 480p's init and segment 4.
        for (int k = 0; k < 4; k++) {
            readAhead.afterServe(segment("s", hd, k), Optional.empty());
        }
        readAhead.afterServe(at("s", sd, PlaybackFile.PLAYLIST), Optional.empty());
        assertFetched(result("s", sd, "init", null), sd.prefix() + "init.mp4");
        assertEquals("start", segmentResult("s", sd, 4).get("trigger"));
        assertTrue(lines("PREFETCH_START", "s", "480p", "segment", 0).isEmpty(), "not segment 0: the session is past it");

        // Another session of the same video starts at 0, whatever this one played.
        readAhead.afterServe(at("other", sd, PlaybackFile.PLAYLIST), Optional.empty());
        assertEquals("start", segmentResult("other", sd, 0).get("trigger"));

        // The session starts the video again from its master playlist: 480p's playlist reads segment 0 now.
        // (Segment 0 is cached by now: the other session's read-ahead.)
        readAhead.sessionStarted("s", "v1");
        readAhead.afterServe(at("s", sd, PlaybackFile.PLAYLIST), Optional.empty());
        Logged again = segmentResult("s", sd, 0);
        assertEquals("start", again.get("trigger"));
        assertEquals("ALREADY_CACHED", again.get("result"));
        assertOneStartAndOneResultEach();
    }

    @Test
    void a_CMCD_hint_reads_the_object_it_names_and_the_ones_after_it_instead_of_the_next_segment() {
        start(2, 2, 16);
        readAhead.afterServe(segment("s", hd, 1), Optional.of(segment("s", hd, 5)));
        for (int k = 5; k <= 6; k++) {
            Logged r = segmentResult("s", hd, k);
            assertFetched(r, key(hd, k));
            assertEquals("cmcd", r.get("trigger"));
            assertEquals(1, r.get("trigger_segment"));
        }
        // A hint naming the init segment reads just that.
        readAhead.afterServe(segment("s", hd, 6), Optional.of(at("s", hd, PlaybackFile.INIT)));
        Logged init = result("s", hd, "init", null);
        assertFetched(init, hd.prefix() + "init.mp4");
        assertEquals("cmcd", init.get("trigger"));
        assertEquals(6, init.get("trigger_segment"));
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        assertEquals(3, results("s").size(), results("s").toString());
        for (int k : new int[] {2, 3, 7}) {
            assertEquals(0, origin.reads(key(hd, k)), "segment " + k + " is not what the player will ask for");
        }
        assertOneStartAndOneResultEach();
    }

    @Test
    void an_object_already_being_read_or_queued_is_IN_FLIGHT_and_read_only_once() {
        start(1, 1, 16);
        CountDownLatch segment3 = origin.hold(key(hd, 3));
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        origin.awaitReading(key(hd, 3));
        // Read by the one prefetch thread: a second trigger joins nothing and queues nothing.
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        assertEquals("IN_FLIGHT", lines("PREFETCH_RESULT", "s", "720p", "segment", 3).getFirst().get("result"));
        // Queued behind it: the same.
        readAhead.afterServe(segment("s", hd, 4), Optional.empty());
        assertEquals(2, readAhead.pending(), "one read running, one queued");
        readAhead.afterServe(segment("s", hd, 4), Optional.empty());
        assertEquals("IN_FLIGHT", lines("PREFETCH_RESULT", "s", "720p", "segment", 5).getFirst().get("result"));

        // Queued while a request reads the same object: the prefetch waits for that read and reports IN_FLIGHT.
        readAhead.afterServe(segment("s", hd, 6), Optional.empty());
        CountDownLatch segment7 = origin.hold(key(hd, 7));
        CompletableFuture<SegmentCache.Lookup> request = CompletableFuture.supplyAsync(() -> cache.get(key(hd, 7)));
        origin.awaitReading(key(hd, 7));
        // Queued while a request reads it whole into the cache first: ALREADY_CACHED by the time it runs.
        readAhead.afterServe(segment("s", hd, 8), Optional.empty());
        assertEquals(CacheOutcome.LOADED, cache.get(key(hd, 9)).outcome());

        segment3.countDown();
        assertFetched(fetched("s", hd, 3), key(hd, 3));
        assertFetched(fetched("s", hd, 5), key(hd, 5));
        // Segments 3 and 5 done, 9 queued, and the prefetch of 7 waiting in the cache for the request's read.
        Await.until(WAIT, "the prefetch of segment 7 waiting for the request's read",
                () -> readAhead.pending() == 2 && prefetchThreads(nodeId).stream().anyMatch(this::waitingOnAnotherRead));
        segment7.countDown();
        assertEquals(CacheOutcome.LOADED, request.join().outcome());
        Logged joined = segmentResult("s", hd, 7);
        assertEquals("IN_FLIGHT", joined.get("result"), joined.toString());
        assertNull(joined.get("bytes"));
        Logged cached = segmentResult("s", hd, 9);
        assertEquals("ALREADY_CACHED", cached.get("result"), cached.toString());
        for (int k : new int[] {3, 5, 7, 9}) {
            assertEquals(1, origin.reads(key(hd, k)), "segment " + k + " read from the origin once");
        }
        assertOneStartAndOneResultEach();
    }

    @Test
    void a_full_executor_sheds_read_ahead_as_SKIPPED_OVERLOAD_and_the_object_is_read_ahead_once_there_is_room() {
        start(1, 1, 1);
        CountDownLatch segment1 = origin.hold(key(hd, 1));
        readAhead.afterServe(segment("s", hd, 0), Optional.empty());
        origin.awaitReading(key(hd, 1));
        readAhead.afterServe(segment("s", hd, 2), Optional.empty()); // segment 3 fills the queue
        readAhead.afterServe(segment("s", hd, 4), Optional.empty()); // segment 5 does not fit
        Logged shed = segmentResult("s", hd, 5);
        assertEquals("SKIPPED_OVERLOAD", shed.get("result"), shed.toString());
        assertNull(shed.get("error"));
        assertEquals(0, origin.reads(key(hd, 5)));

        segment1.countDown();
        assertFetched(segmentResult("s", hd, 3), key(hd, 3));
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        readAhead.afterServe(segment("s", hd, 4), Optional.empty());
        Await.until(WAIT, "the second prefetch of segment 5",
                () -> lines("PREFETCH_RESULT", "s", "720p", "segment", 5).size() == 2);
        assertFetched(lines("PREFETCH_RESULT", "s", "720p", "segment", 5).getLast(), key(hd, 5));
        assertOneStartAndOneResultEach();
    }

    @Test
    void a_failed_read_is_FAILED_with_its_error_and_the_next_trigger_reads_it_again() {
        start(1, 2, 16);
        origin.failOnce.put(key(hd, 3), new StorageException("get " + key(hd, 3) + ": 503 Slow Down", null, false));
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        Logged failed = segmentResult("s", hd, 3);
        assertEquals("FAILED", failed.get("result"));
        assertEquals("get " + key(hd, 3) + ": 503 Slow Down", failed.get("error"));
        assertNull(failed.get("bytes"));
        assertFalse(cache.contains(key(hd, 3)));
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        Await.until(WAIT, "the second prefetch", () -> lines("PREFETCH_RESULT", "s", "720p", "segment", 3).size() == 2);
        assertFetched(lines("PREFETCH_RESULT", "s", "720p", "segment", 3).getLast(), key(hd, 3));

        // Not a storage error: FAILED with what it was.
        origin.failOnce.put(key(hd, 6), new IllegalArgumentException("bad key"));
        readAhead.afterServe(segment("s", hd, 5), Optional.empty());
        assertEquals("java.lang.IllegalArgumentException: bad key", segmentResult("s", hd, 6).get("error"));
        assertEquals("FAILED", segmentResult("s", hd, 6).get("result"));

        // A missing init segment is a failure, not the end of the variant.
        readAhead.afterServe(segment("s", sd, 1), Optional.of(at("s", open, PlaybackFile.INIT)));
        Logged init = result("s", open, "init", null);
        assertEquals("FAILED", init.get("result"), init.toString());
        assertEquals("get " + open.prefix() + "init.mp4: NoSuchKey", init.get("error"));
        assertOneStartAndOneResultEach();
    }

    /** In a prefetch's cache lookup, waiting, and not in an origin read of its own. */
    private boolean waitingOnAnotherRead(Thread t) {
        List<StackTraceElement> stack = List.of(t.getStackTrace());
        return (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
                && stack.stream().anyMatch(f -> f.getClassName().equals(ReadAhead.class.getName())
                        && f.getMethodName().equals("fetch"))
                && stack.stream().noneMatch(f -> f.getClassName().equals(FakeOrigin.class.getName()));
    }

    private static List<Thread> prefetchThreads(String nodeId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("prefetch-" + nodeId + "-")).toList();
    }

    @Test
    void read_ahead_off_reads_and_logs_nothing_and_starts_no_thread_while_on_starts_its_daemon_threads_up_front() {
        readAhead = new ReadAhead(cache, new PlaybackEvents(log.forRole("segment")), 0, 2, 16, nodeId + "off");
        readAhead.start();
        assertFalse(readAhead.enabled());
        readAhead.afterServe(segment("s", hd, 2), Optional.of(segment("s", hd, 5)));
        readAhead.afterServe(at("s", hd, PlaybackFile.PLAYLIST), Optional.empty());
        assertEquals(List.of(), logged);
        assertEquals(Map.of(), origin.reads);
        assertEquals(List.of(), prefetchThreads(nodeId + "off"));
        readAhead.close();

        readAhead = new ReadAhead(cache, new PlaybackEvents(log.forRole("segment")), 1, 2, 16, nodeId + "on");
        assertTrue(readAhead.enabled());
        readAhead.start();
        List<Thread> threads = prefetchThreads(nodeId + "on");
        assertEquals(2, threads.size(), "both threads started before the first read-ahead: " + threads);
        assertTrue(threads.stream().allMatch(Thread::isDaemon), "they never keep a node's JVM alive");
    }

    @Test
    void closing_lets_a_running_read_finish_briefly_and_reports_each_queued_prefetch_dropped() {
        start(1, 1, 16);
        origin.hold(key(hd, 1)); // never released: the read runs past the shutdown wait
        readAhead.afterServe(segment("s", hd, 0), Optional.empty());
        origin.awaitReading(key(hd, 1));
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        readAhead.afterServe(segment("s", hd, 4), Optional.empty());
        readAhead.close();

        for (int k : new int[] {3, 5}) {
            Logged dropped = segmentResult("s", hd, k);
            assertEquals("SKIPPED_OVERLOAD", dropped.get("result"), dropped.toString());
            assertEquals("shutdown", dropped.get("error"));
            assertEquals(0, origin.reads(key(hd, k)));
        }
        Logged interrupted = segmentResult("s", hd, 1);
        assertEquals("FAILED", interrupted.get("result"), "the running read is interrupted: " + interrupted);
        // A dropped prefetch is not left marked as scheduled: a trigger after the shutdown is shed, not IN_FLIGHT.
        readAhead.afterServe(segment("s", hd, 2), Optional.empty());
        assertEquals("SKIPPED_OVERLOAD", lines("PREFETCH_RESULT", "s", "720p", "segment", 3).getLast().get("result"));
        assertOneStartAndOneResultEach();
    }

    @Test
    void closing_on_an_interrupted_thread_stops_the_reads_at_once_and_keeps_the_interrupt() {
        start(1, 1, 16);
        origin.hold(key(hd, 1));
        readAhead.afterServe(segment("s", hd, 0), Optional.empty());
        origin.awaitReading(key(hd, 1));
        Thread.currentThread().interrupt();
        long before = System.nanoTime();
        readAhead.close();
        assertTrue(Thread.interrupted(), "the caller's interrupt is kept");
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(2).toNanos(), "no shutdown wait");
        assertEquals("FAILED", segmentResult("s", hd, 1).get("result"), "the running read was interrupted");
    }

    @Test
    void closing_an_idle_read_ahead_returns_without_the_shutdown_wait() {
        start(1, 2, 16);
        readAhead.afterServe(segment("s", hd, 0), Optional.empty());
        assertFetched(segmentResult("s", hd, 1), key(hd, 1));
        Await.until(WAIT, "the read-ahead idle", () -> readAhead.pending() == 0);
        long before = System.nanoTime();
        readAhead.close();
        // The wait is for reads still running; a node stopping with none must not pay it.
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(2).toNanos(), "closed without waiting 2 s");
    }
}
