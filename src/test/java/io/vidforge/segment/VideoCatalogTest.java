package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.db.DataAccessException;
import io.vidforge.http.ApiException;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.Await;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Unit tests with a fake lookup and a fake clock: the database is what the catalog shields playback from. */
class VideoCatalogTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final String ID = "a".repeat(64);

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicReference<Function<String, Optional<Video>>> database = new AtomicReference<>();
    private final VideoCatalog catalog = new VideoCatalog(id -> {
        reads.incrementAndGet();
        return database.get().apply(id);
    }, TTL, now::get);

    @Test
    void a_ready_video_is_read_once_per_ttl() {
        Video v1 = video(VideoStatus.READY, 1);
        loaded(v1);
        now.addAndGet(TTL.toNanos() - 1);
        assertSame(v1, catalog.ready(ID));
        assertEquals(1, reads.get());
    }

    @Test
    void an_expired_copy_is_answered_at_once_while_one_background_read_refreshes_it() throws Exception {
        Video v1 = video(VideoStatus.READY, 1);
        Video v2 = video(VideoStatus.READY, 2);
        loaded(v1);
        CountDownLatch release = new CountDownLatch(1);
        stalls(release, v2); // a slow database: the requests below must not wait for it
        now.addAndGet(TTL.toNanos());
        for (int i = 0; i < 5; i++) {
            assertSame(v1, catalog.ready(ID), "the last copy, without waiting for the database");
        }
        release.countDown();
        Await.until(Duration.ofSeconds(10), "the refresh to finish", () -> catalog.refreshing() == 0);
        assertEquals(2, reads.get(), "one load, one refresh for five requests");
        assertSame(v2, catalog.ready(ID), "the refreshed copy");
    }

    @Test
    void while_the_database_is_out_the_last_known_ready_video_keeps_playing() {
        Video v1 = video(VideoStatus.READY, 1);
        loaded(v1);
        database.set(id -> {
            throw DataAccessException.of(new SQLException("connection refused", "08001"));
        });
        for (int round = 1; round <= 3; round++) {
            now.addAndGet(TTL.toNanos());
            assertSame(v1, catalog.ready(ID));
            Await.until(Duration.ofSeconds(10), "the failed refresh to finish", () -> catalog.refreshing() == 0);
            assertSame(v1, catalog.ready(ID), "a failed refresh keeps the copy");
        }
        assertTrue(reads.get() >= 4, "each expired request tried the database again: " + reads.get());
        // A video the node has never seen cannot be answered without the database: its error goes up
        // (the node's error handler makes it a 503 DATABASE_UNAVAILABLE).
        assertThrows(DataAccessException.class, () -> catalog.ready("b".repeat(64)));
    }

    @Test
    void a_refresh_stuck_on_a_stalled_connection_does_not_block_the_next_one_for_ever() {
        Video v1 = video(VideoStatus.READY, 1);
        Video v2 = video(VideoStatus.READY, 2);
        loaded(v1);
        CountDownLatch never = new CountDownLatch(1);
        stalls(never, v1); // a connection that accepted the query and stalled
        now.addAndGet(TTL.toNanos());
        catalog.ready(ID);
        Await.until(Duration.ofSeconds(10), "the first refresh to reach the database", () -> reads.get() == 2);
        now.addAndGet(VideoCatalog.REFRESH_GIVE_UP.toNanos() - 1);
        catalog.ready(ID);
        assertEquals(2, reads.get(), "still waiting for the first refresh");
        database.set(id -> Optional.of(v2));
        now.addAndGet(1);
        assertSame(v1, catalog.ready(ID));
        Await.until(Duration.ofSeconds(10), "a second refresh to replace the copy", () -> catalog.ready(ID) == v2);
        never.countDown(); // the stalled one answers late, with an older row: it does not overwrite the newer copy
        Await.until(Duration.ofSeconds(10), "every refresh to finish", () -> catalog.refreshing() == 0);
        assertSame(v2, catalog.ready(ID));
    }

    @Test
    void a_refresh_that_finds_the_video_no_longer_ready_drops_it() {
        database.set(id -> Optional.of(video(VideoStatus.READY, 1)));
        catalog.ready(ID);
        database.set(id -> Optional.of(video(VideoStatus.PROCESSING, 2)));
        now.addAndGet(TTL.toNanos());
        catalog.ready(ID); // still the old copy; the refresh runs
        Await.until(Duration.ofSeconds(10), "the refresh to finish", () -> catalog.refreshing() == 0);
        ApiException e = assertThrows(ApiException.class, () -> catalog.ready(ID));
        assertEquals(409, e.status());
        assertEquals("VIDEO_NOT_READY", e.code());
    }

    @Test
    void unknown_and_unready_videos_are_never_cached() {
        database.set(id -> Optional.empty());
        assertEquals(404, assertThrows(ApiException.class, () -> catalog.ready(ID)).status());
        database.set(id -> Optional.of(video(VideoStatus.PROCESSING, 1)));
        assertEquals(409, assertThrows(ApiException.class, () -> catalog.ready(ID)).status());
        Video ready = video(VideoStatus.READY, 1);
        database.set(id -> Optional.of(ready));
        assertSame(ready, catalog.ready(ID), "playable the moment it is published");
    }

    @Test
    void a_ttl_of_zero_reads_the_database_on_every_request() {
        VideoCatalog uncached = new VideoCatalog(id -> {
            reads.incrementAndGet();
            return Optional.of(video(VideoStatus.READY, 1));
        }, Duration.ZERO, now::get);
        uncached.ready(ID);
        uncached.ready(ID);
        assertEquals(2, reads.get());
    }

    @Test
    void a_failed_video_answers_409_video_failed_with_its_reason_to_early_playback_only_and_is_never_cached() {
        Video failed = new Video(ID, "sha", "p", VideoStatus.FAILED, "t", "f.mp4", "video/mp4", 1, "raw/x", 1, null,
                List.of(), "TRANSCODE_FAILED", "chunk 2 failed 3 times", 0, 0, 1_000L);
        database.set(id -> Optional.of(failed));
        for (int i = 0; i < 2; i++) {
            ApiException e = assertThrows(ApiException.class, () -> catalog.playback(ID));
            assertEquals(409, e.status());
            assertEquals("VIDEO_FAILED", e.code());
            assertTrue(e.getMessage().contains("TRANSCODE_FAILED: chunk 2 failed 3 times"), e.getMessage());
        }
        // Without the early opt-in (the contract's master): not ready, the code it always answered.
        ApiException contract = assertThrows(ApiException.class, () -> catalog.ready(ID));
        assertEquals(409, contract.status());
        assertEquals("VIDEO_NOT_READY", contract.code());
        assertEquals(3, reads.get(), "a failed video is read every time: it may be processed again");
    }

    @Test
    void a_playable_processing_video_is_not_ready_for_the_contract_and_only_early_playback_builds_its_ladder() {
        AtomicInteger ladders = new AtomicInteger();
        VideoCatalog withLadders = new VideoCatalog(id -> Optional.of(new Video(ID, "sha", "p", VideoStatus.PROCESSING,
                "t", "f.mp4", "video/mp4", 1, "raw/x", 1, null, List.of(), null, null, 0, 0, 1_000L)),
                v -> {
                    ladders.incrementAndGet();
                    return Optional.empty();
                }, TTL, now::get);
        ApiException e = assertThrows(ApiException.class, () -> withLadders.ready(ID));
        assertEquals(409, e.status());
        assertEquals("VIDEO_NOT_READY", e.code(), "playable is not ready");
        assertEquals(0, ladders.get(), "ready() never plays from accepted chunks");
        assertThrows(ApiException.class, () -> withLadders.playback(ID));
        assertEquals(1, ladders.get(), "playback() asks for the early ladder of a playable processing video");
    }

    @Test
    void a_processing_video_that_is_not_playable_is_not_ready_and_a_ready_one_plays_from_the_catalog() {
        database.set(id -> Optional.of(video(VideoStatus.PROCESSING, 1)));
        ApiException e = assertThrows(ApiException.class, () -> catalog.playback(ID));
        assertEquals("VIDEO_NOT_READY", e.code());
        Video ready = video(VideoStatus.READY, 1);
        database.set(id -> Optional.of(ready));
        VideoCatalog.Playback p = catalog.playback(ID);
        assertFalse(p.isEarly());
        assertSame(ready, p.video());
        assertSame(ready, catalog.playback(ID).video(), "cached like ready()");
        assertEquals(2, reads.get(), "one read while processing, one for the ready video");
    }

    private static Video video(VideoStatus status, int generation) {
        List<Variant> variants = status == VideoStatus.READY
                ? List.of(new Variant("360p", 640, 360, 800_000, 700_000, "avc1.64001e,mp4a.40.2", 30, 3, 2, "p/360p/"))
                : List.of();
        return new Video(ID, "sha", "p", status, "t", "f.mp4", "video/mp4", 1, "raw/x", generation, null, variants,
                null, null, 0, 0);
    }

    /** The catalog has read {@code v} from the database once. */
    private void loaded(Video v) {
        database.set(id -> Optional.of(v));
        assertSame(v, catalog.ready(ID));
    }

    /** From now on the database answers {@code v}, but only once {@code gate} opens. */
    private void stalls(CountDownLatch gate, Video v) {
        database.set(id -> {
            await(gate);
            return Optional.of(v);
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the database");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
