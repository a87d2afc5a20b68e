package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.bucket.GcSettings;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.db.ObjectMarks;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One clean-up pass at a time under a manual clock, on objects put straight into the bucket: an orphan is
 * marked only once older than the grace period, swept only by a later pass (never by the pass that marked
 * it, nor by another pass in the same millisecond), at most GC_BATCH marks per pass, a mark on an object
 * something refers to again is dropped instead of swept, and a sweep a crash interrupted is finished.
 * What each pass reports and logs is checked to the byte. (StorageCollectorTest covers whole videos.)
 */
@Tag("db")
class StorageCollectorPassTest {
    private static final Duration GRACE = Duration.ofHours(1);
    private static final byte[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    private final ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofDays(1)));
    private Platform p;
    private ObjectStore store;
    private ObjectMarks marks;

    @BeforeEach
    void setUp() {
        p = Platform.open(Settings.of(TestNodes.environment("gc-pass")).with(Map.of("NODE_ID", "gc")), "gc", clock);
        store = p.store();
        marks = new ObjectMarks(p.sql());
    }

    @AfterEach
    void tearDown() {
        p.close();
    }

    private StorageCollector collector(int batch) {
        return new StorageCollector(store, p.sql(), p.videos(), new GcSettings(GRACE, Duration.ofSeconds(1), batch, 1000),
                p.events(Role.ORCHESTRATOR), clock);
    }

    private String orphan() {
        String key = "raw/" + UUID.randomUUID();
        store.putBytes(key, NINE, "application/octet-stream");
        return key;
    }

    private long modifiedAt(String key) {
        long[] at = {-1};
        store.forEachObject(key, o -> at[0] = o.modifiedAt());
        return at[0];
    }

    /** Moves the manual clock forward to {@code millis}. */
    private void clockAt(long millis) {
        assertTrue(millis >= clock.millis(), "the clock only moves forward");
        clock.advance(Duration.ofMillis(millis - clock.millis()));
    }

    private List<JsonNode> events(String name) {
        return EventLogs.events(p.settings().logDir(), name, e -> true);
    }

    @Test
    void an_orphan_is_marked_once_past_its_grace_and_swept_by_a_later_pass_only() {
        String key = orphan();
        String referenced = "raw/" + TestVideos.insert(p); // a video's upload: never marked
        store.putBytes(referenced, NINE, "application/octet-stream");
        long modified = modifiedAt(key);
        StorageCollector gc = collector(100);

        clockAt(modified + GRACE.toMillis() - 1);
        assertEquals(new StorageCollector.Pass(0, 0, 0, 0), gc.runPass(), "younger than the grace period");
        clockAt(modified + GRACE.toMillis());
        assertEquals(new StorageCollector.Pass(1, 0, 0, 0), gc.runPass(), "exactly as old as the grace period");
        List<JsonNode> marked = events("GC_MARKED");
        assertEquals(1, marked.size());
        assertEquals(key, marked.get(0).path("key").asText());
        assertEquals(NINE.length, marked.get(0).path("bytes").asLong());
        assertEquals("uncommitted_upload", marked.get(0).path("reason").asText());
        assertEquals((clock.millis() - modifiedAt(key)) / 1000, marked.get(0).path("age_s").asLong());

        assertEquals(new StorageCollector.Pass(0, 0, 0, 0), gc.runPass(),
                "a second pass in the same millisecond neither marks again nor sweeps");
        assertTrue(store.exists(key));

        clock.advance(Duration.ofMillis(1));
        long markedAt = marks.all().get(0).markedAt();
        assertEquals(new StorageCollector.Pass(0, 1, 0, NINE.length), gc.runPass(), "a later pass sweeps");
        assertFalse(store.exists(key));
        assertTrue(store.exists(referenced));
        assertEquals(List.of(), marks.all());
        List<JsonNode> deleted = events("GC_DELETED");
        assertEquals(1, deleted.size());
        assertEquals(key, deleted.get(0).path("key").asText());
        assertEquals(NINE.length, deleted.get(0).path("bytes").asLong());
        assertEquals("uncommitted_upload", deleted.get(0).path("reason").asText());
        assertEquals(markedAt, deleted.get(0).path("marked_at_ms").asLong());
        assertEquals(1, events("GC_MARKED").size());
    }

    @Test
    void a_pass_marks_at_most_a_batch_and_the_next_pass_marks_the_rest_while_sweeping() {
        List<String> keys = new ArrayList<>(List.of(orphan(), orphan(), orphan()));
        long modified = keys.stream().mapToLong(this::modifiedAt).max().orElseThrow();
        StorageCollector gc = collector(2);
        clockAt(modified + GRACE.toMillis() + 1000);
        assertEquals(new StorageCollector.Pass(2, 0, 0, 0), gc.runPass());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(new StorageCollector.Pass(1, 2, 0, 2L * NINE.length), gc.runPass());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(new StorageCollector.Pass(0, 1, 0, NINE.length), gc.runPass());
        assertTrue(keys.stream().noneMatch(store::exists));
    }

    @Test
    void a_marked_object_that_something_refers_to_again_is_unmarked_not_swept() {
        String key = "raw/" + TestVideos.insert(p); // the video refers to it; the mark predates that
        store.putBytes(key, NINE, "application/octet-stream");
        assertTrue(marks.mark(key, "uncommitted_upload", NINE.length, 0, clock.millis()));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(new StorageCollector.Pass(0, 0, 1, 0), collector(100).runPass());
        assertTrue(store.exists(key));
        assertEquals(List.of(), marks.all());
        List<JsonNode> unmarked = events("GC_UNMARKED");
        assertEquals(1, unmarked.size());
        assertEquals(key, unmarked.get(0).path("key").asText());
        assertEquals("uncommitted_upload", unmarked.get(0).path("reason").asText());
        assertEquals(NINE.length, unmarked.get(0).path("bytes").asLong());
        assertEquals(0, events("GC_DELETED").size());
    }

    /**
     * A reference taken between the pass's listing of due marks and its last look removes the mark
     * (ObjectMarks.claimForReference): the last look then finds no MARKED row and must not sweep.
     */
    @Test
    void the_last_look_refuses_a_mark_claimed_since_the_listing() {
        String key = orphan();
        assertTrue(marks.mark(key, "uncommitted_upload", NINE.length, 0, clock.millis()));
        ObjectMarks.Mark listed = marks.all().get(0);
        boolean claimed = p.sql().inTransaction(c -> ObjectMarks.claimForReference(c, key));
        assertTrue(claimed, "the reference took the object over");
        StorageCollector gc = collector(100);
        assertFalse(gc.decide(listed), "nothing to sweep: the mark is gone");
        assertEquals(List.of(), marks.all(), "and no SWEEPING row appeared");
        assertTrue(store.exists(key));

        String other = orphan();
        assertTrue(marks.mark(other, "uncommitted_upload", NINE.length, 0, clock.millis()));
        assertTrue(gc.decide(marks.all().get(0)), "an unclaimed orphan's mark goes on to the sweep");
        assertEquals(ObjectMarks.SWEEPING, marks.all().get(0).state());
    }

    @Test
    void a_sweep_that_a_crash_interrupted_is_finished_by_the_next_pass() {
        String key = orphan();
        assertTrue(marks.mark(key, "uncommitted_upload", NINE.length, 0, clock.millis()));
        boolean decided = p.sql().inTransaction(c -> ObjectMarks.beginSweep(c, key));
        assertTrue(decided, "the sweep decided, then its node died");
        assertEquals(new StorageCollector.Pass(0, 1, 0, NINE.length), collector(100).runPass(),
                "in the same millisecond: a decided sweep needs no later pass");
        assertFalse(store.exists(key));
        assertEquals(List.of(), marks.all());
        assertEquals(1, events("GC_DELETED").size());
    }
}
