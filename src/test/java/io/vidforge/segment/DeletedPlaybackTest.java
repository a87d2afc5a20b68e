package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.testing.Await;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A deleted video stops playing on every segment node within VIDEO_CACHE_SECONDS, and its cached bytes go. */
@Tag("db")
class DeletedPlaybackTest {
    private static final Duration TTL = Duration.ofSeconds(1);
    private Node upload;
    private Node segment1;
    private Node segment2;

    @BeforeEach
    void setUp() {
        Map<String, String> env = TestNodes.environment("deleted-playback");
        Map<String, String> o = Map.of("VIDEO_CACHE_SECONDS", "1", "PREFETCH_DEPTH", "0");
        upload = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD));
        segment1 = TestNodes.start(env, "segment-1", Set.of(Role.SEGMENT), o, java.time.Clock.systemUTC());
        segment2 = TestNodes.start(env, "segment-2", Set.of(Role.SEGMENT), o, java.time.Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        segment2.close();
        segment1.close();
        upload.close();
    }

    @Test
    void a_segment_cached_on_two_nodes_stops_being_served_after_the_delete_and_its_bytes_are_dropped() {
        FakeLadder.Published video = FakeLadder.publish(upload.platform(), "deleted-playback", 2, 3, 4_000);
        String id = video.videoId();
        String segmentPath = "/s/sess1/" + id + "/720p/" + FakeLadder.Published.segment(1);
        String segmentKey = video.variant("720p").prefix() + FakeLadder.Published.segment(1);
        for (Node n : List.of(segment1, segment2)) {
            assertEquals(200, Http.get(n.baseUri().resolve(segmentPath)).status());
            Await.until(Duration.ofSeconds(10), "cached on " + n.nodeId(), () -> cache(n).contains(segmentKey));
            assertEquals("HIT", Http.get(n.baseUri().resolve(segmentPath)).header("X-Cache"));
        }

        long deletedAt = System.nanoTime();
        assertEquals(202, Http.method(upload.baseUri().resolve("/videos/" + id), "DELETE", null).status());
        for (Node n : List.of(segment1, segment2)) {
            Await.until(TTL.multipliedBy(10), "410 from " + n.nodeId(),
                    () -> Http.get(n.baseUri().resolve(segmentPath)).status() == 410);
            Http.Response r = Http.get(n.baseUri().resolve(segmentPath));
            assertEquals("VIDEO_DELETED", r.json().get("error").get("code").asText());
            // The 410 can come from the catalog's copy expiring a moment before the node's deletion watch
            // looks (every half TTL); the bytes must be gone within the same bound.
            Await.until(TTL.multipliedBy(10), "the node dropped the video's cached bytes",
                    () -> !cache(n).contains(segmentKey));
            assertEquals(410, Http.get(n.baseUri().resolve("/play/" + id + "/master.m3u8")).status());
            assertEquals(410, Http.get(n.baseUri().resolve("/play/" + id + "/manifest.mpd")).status(), "DASH too");
            assertEquals(410, Http.get(n.baseUri().resolve("/s/sess2/" + id + "/480p/index.m3u8")).status());
        }
        long tookMs = (System.nanoTime() - deletedAt) / 1_000_000;
        // Within the TTL plus one look of the watch (half a TTL) and the time the requests themselves took.
        assertTrue(tookMs < TTL.toMillis() * 3, "stopped within VIDEO_CACHE_SECONDS, took " + tookMs + " ms");
        assertTrue(EventLogs.events(segment1.platform().settings().logDir(), "VIDEO_CACHE_DROPPED",
                e -> id.equals(e.path("video_id").asText())).size() >= 2, "both nodes log the drop");
    }

    private static SegmentCache cache(Node n) {
        return n.module(SegmentModule.class).cache();
    }
}
