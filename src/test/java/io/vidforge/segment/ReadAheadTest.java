package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.testing.Await;
import io.vidforge.testing.FakeLadder;
import io.vidforge.testing.Http;
import io.vidforge.testing.TestNodes;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Read-ahead as a player sees it: sequential playback and switches are served from the cache. */
class ReadAheadTest {
    private static final int SEGMENTS = 10;

    private Map<String, String> env;
    private SegmentTestNode node;
    private InstrumentedOrigin origin;
    private FakeLadder.Published video;
    private URI base;

    private void start(Map<String, String> overrides) {
        env = TestNodes.environment("read-ahead");
        AtomicReference<InstrumentedOrigin> ref = new AtomicReference<>();
        node = SegmentTestNode.start(env, "segment-1", overrides, o -> {
            ref.set(new InstrumentedOrigin(o));
            return ref.get();
        });
        origin = ref.get();
        video = FakeLadder.publish(node.platform(), "read-ahead", 3, SEGMENTS, 4_000);
        base = node.uri("/");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void sequential_player_gets_every_segment_from_the_cache_the_first_read_while_it_parses_the_playlist() {
        start(Map.of());
        String s = Playback.startSession(base, video.videoId());
        String id = video.videoId();
        assertEquals(200, Http.get(base.resolve(Playback.path(s, id, "720p", "index.m3u8"))).status());
        // The playlist starts the reads of what the player asks for next: the init segment and segment 0.
        JsonNode init = awaitStartResult(s, "720p", "init", null);
        assertEquals("FETCHED", init.path("result").asText(), init.toString());
        JsonNode first = awaitStartResult(s, "720p", "segment", 0);
        assertEquals("FETCHED", first.path("result").asText(), first.toString());
        assertTrue(first.path("trigger_segment").isMissingNode(), first.toString());
        Http.Response initResponse = Http.get(base.resolve(Playback.path(s, id, "720p", "init.mp4")));
        assertEquals("HIT", initResponse.header("X-Cache"));
        assertArrayEquals(video.bytes("720p", "init.mp4"), initResponse.body());
        for (int k = 0; k < SEGMENTS; k++) {
            Http.Response r = Playback.segment(base, s, id, "720p", k);
            assertEquals(200, r.status());
            assertArrayEquals(video.bytes("720p", FakeLadder.Published.segment(k)), r.body(), "segment " + k);
            assertEquals("HIT", r.header("X-Cache"), "segment " + k);
            if (k + 1 < SEGMENTS) {
                // The player asks for k+1 only once the read-ahead that k triggered has finished.
                JsonNode result = awaitNextResult(s, "720p", k + 1);
                assertEquals("FETCHED", result.path("result").asText(), result.toString());
                assertEquals(k, result.path("trigger_segment").asInt());
                assertEquals(video.bytes("720p", FakeLadder.Published.segment(k + 1)).length, result.path("bytes").asLong());
                long id0 = result.path("prefetch_id").asLong();
                int next = k + 1;
                assertEquals(1, Playback.events(node.logDir(), "PREFETCH_START", s).stream()
                        .filter(e -> e.path("prefetch_id").asLong() == id0 && e.path("segment").asInt() == next).count(),
                        "one PREFETCH_START for the prefetch of segment " + (k + 1));
            }
        }
        JsonNode last = awaitNoNextSegment(s);
        assertEquals("NO_NEXT_SEGMENT", last.path("result").asText());
        assertEquals(SEGMENTS - 1, last.path("trigger_segment").asInt());
        assertEquals(1, origin.reads(video.variant("720p").prefix() + "init.mp4"), "init read from S3 once");
        for (int k = 0; k < SEGMENTS; k++) {
            assertEquals(1, origin.reads(video.variant("720p").prefix() + FakeLadder.Published.segment(k)),
                    "segment " + k + " was read from S3 exactly once");
        }
        Playback.awaitServe(node.logDir(), s, "720p", SEGMENTS - 1);
        List<String> cache = Playback.events(node.logDir(), "SERVE", s).stream()
                .filter(e -> e.path("kind").asText().equals("segment")).map(e -> e.path("cache").asText()).toList();
        assertEquals(java.util.Collections.nCopies(SEGMENTS, "HIT"), cache);
    }

    @Test
    void variant_switch_mid_stream_reads_the_next_segment_of_the_new_variant_ahead_from_its_playlist() {
        start(Map.of());
        String id = video.videoId();
        String s = sessionPlayedUpTo("720p", 4);
        // The player's bandwidth estimate drops: it switches down after segment 3. The node knows where the
        // session is, so the new variant's playlist reads its init segment and segment 4, not segment 0.
        assertEquals(200, Http.get(base.resolve(Playback.path(s, id, "480p", "index.m3u8"))).status());
        assertEquals("FETCHED", awaitStartResult(s, "480p", "init", null).path("result").asText());
        assertEquals("FETCHED", awaitStartResult(s, "480p", "segment", 4).path("result").asText());
        assertEquals(200, Http.get(base.resolve(Playback.path(s, id, "480p", "init.mp4"))).status());
        for (int k = 4; k < SEGMENTS; k++) {
            Http.Response r = Playback.segment(base, s, id, "480p", k);
            assertArrayEquals(video.bytes("480p", FakeLadder.Published.segment(k)), r.body());
            assertEquals("HIT", r.header("X-Cache"), "480p segment " + k);
            if (k + 1 < SEGMENTS) {
                assertEquals("FETCHED", awaitNextResult(s, "480p", k + 1).path("result").asText());
            }
        }
        assertEquals(0, origin.reads(video.variant("480p").prefix() + "seg_00000.m4s"),
                "segment 0 of the new variant was not read: the session is past it");
        Playback.awaitServe(node.logDir(), s, "480p", SEGMENTS - 1);
        List<JsonNode> serves = Playback.events(node.logDir(), "SERVE", s).stream()
                .filter(e -> e.path("kind").asText().equals("segment") && e.path("variant").asText().equals("480p"))
                .toList();
        assertEquals(0, serves.stream().filter(e -> e.path("cache").asText().equals("MISS")).count(), serves.toString());
        assertEquals(1_300_000, serves.get(0).path("bandwidth").asLong());
        assertEquals("854x480", serves.get(0).path("resolution").asText());
    }

    @Test
    void a_session_that_starts_the_video_again_from_its_master_playlist_reads_segment_0_ahead() {
        start(Map.of());
        String id = video.videoId();
        String s = sessionPlayedUpTo("360p", 3);
        // The viewer reloads the page: the same session asks for the master again, then the playlist.
        assertEquals(200, Http.get(base.resolve("/s/" + s + "/" + id + "/master.m3u8")).status());
        assertEquals(200, Http.get(base.resolve(Playback.path(s, id, "360p", "index.m3u8"))).status());
        JsonNode first = awaitStartResult(s, "360p", "segment", null);
        assertEquals(0, first.path("segment").asInt(), "segment 0, not the one after segment 2: " + first);
    }

    /** The PREFETCH_RESULT of a start read-ahead ({@code kind} init, or segment {@code segment}; null: any). */
    /** A new session that has played segments 0..n-1 of a variant, each followed by its k+1 read-ahead. */
    private String sessionPlayedUpTo(String variant, int n) {
        String s = Playback.startSession(base, video.videoId());
        for (int k = 0; k < n; k++) {
            Playback.segment(base, s, video.videoId(), variant, k);
            awaitNextResult(s, variant, k + 1);
        }
        return s;
    }

    private JsonNode awaitStartResult(String s, String variant, String kind, Integer segment) {
        return awaitResult(s, "start", variant, kind, segment);
    }

    /** The PREFETCH_RESULT of the read-ahead of {@code segment} triggered by the segment before it. */
    private JsonNode awaitNextResult(String s, String variant, int segment) {
        return awaitResult(s, "next", variant, "segment", segment);
    }

    private JsonNode awaitResult(String s, String trigger, String variant, String kind, Integer segment) {
        return Await.value(Playback.TIMEOUT, trigger + " read-ahead of " + variant + " " + kind + " " + segment, () ->
                Playback.events(node.logDir(), "PREFETCH_RESULT", s).stream()
                        .filter(e -> trigger.equals(e.path("trigger").asText()) && variant.equals(e.path("variant").asText())
                                && kind.equals(e.path("kind").asText())
                                && (segment == null || e.path("segment").asInt(-1) == segment))
                        .findFirst().orElse(null));
    }

    @Test
    void cmcd_next_object_hint_in_the_query_is_prefetched_instead_of_the_next_segment() {
        start(Map.of());
        String s = "cmcd-query";
        String id = video.videoId();
        String cmcd = "bl=21300,br=3000,d=2000,nor=\"seg_00007.m4s\",ot=v,sf=h,sid=\"abc\",su";
        Http.Response r = Http.get(base.resolve(Playback.path(s, id, "720p", "seg_00002.m4s")
                + "?CMCD=" + URLEncoder.encode(cmcd, StandardCharsets.UTF_8)));
        assertEquals(200, r.status());
        assertArrayEquals(video.bytes("720p", "seg_00002.m4s"), r.body());
        JsonNode result = Playback.awaitPrefetchResult(node.logDir(), s, "720p", 7);
        assertEquals("FETCHED", result.path("result").asText());
        assertEquals("cmcd", result.path("trigger").asText());
        assertEquals(2, result.path("trigger_segment").asInt());
        assertTrue(Playback.events(node.logDir(), "PREFETCH_START", s).stream()
                .noneMatch(e -> e.path("segment").asInt() == 3), "the hint replaces k+1");
        assertEquals("HIT", Playback.segment(base, s, id, "720p", 7).header("X-Cache"));
    }

    @Test
    void cmcd_next_object_hint_in_the_header_may_name_another_variant() {
        start(Map.of());
        String s = "cmcd-header";
        String id = video.videoId();
        // hls.js URL-encodes nor; relative to the current request it can point into a sibling variant.
        Http.Response r = Playback.get(base, Playback.path(s, id, "720p", "seg_00003.m4s"),
                "CMCD-Request", "bl=8000,nor=\"..%2F360p%2Fseg_00004.m4s\",su");
        assertEquals(200, r.status());
        JsonNode result = Playback.awaitPrefetchResult(node.logDir(), s, "360p", 4);
        assertEquals("FETCHED", result.path("result").asText());
        assertEquals("cmcd", result.path("trigger").asText());
        assertEquals("HIT", Playback.segment(base, s, id, "360p", 4).header("X-Cache"));

        // A hint pointing outside this session's video is ignored: the default k+1 is read instead.
        Playback.get(base, Playback.path(s, id, "720p", "seg_00005.m4s"),
                "CMCD-Request", "nor=\"..%2F..%2F..%2Fother%2F" + id + "%2F720p%2Fseg_00009.m4s\"");
        assertEquals("next", Playback.awaitPrefetchResult(node.logDir(), s, "720p", 6).path("trigger").asText());
    }

    @Test
    void depth_two_reads_the_next_two_segments_and_stops_at_the_last() {
        start(Map.of("PREFETCH_DEPTH", "2"));
        String s = "depth2";
        String id = video.videoId();
        Playback.segment(base, s, id, "360p", 0);
        assertEquals("FETCHED", Playback.awaitPrefetchResult(node.logDir(), s, "360p", 1).path("result").asText());
        assertEquals("FETCHED", Playback.awaitPrefetchResult(node.logDir(), s, "360p", 2).path("result").asText());
        Playback.segment(base, s, id, "360p", SEGMENTS - 2);
        Playback.awaitPrefetchResult(node.logDir(), s, "360p", SEGMENTS - 1);
        JsonNode end = awaitNoNextSegment(s);
        assertEquals("NO_NEXT_SEGMENT", end.path("result").asText());
    }

    @Test
    void depth_zero_turns_read_ahead_off_no_prefetch_reads_and_no_prefetch_lines_even_with_a_cmcd_hint() {
        start(Map.of("PREFETCH_DEPTH", "0"));
        String s = "ra-off";
        String id = video.videoId();
        assertEquals(200, Http.get(base.resolve(Playback.path(s, id, "720p", "index.m3u8"))).status());
        for (int k = 0; k < 4; k++) {
            Http.Response r = k == 2
                    ? Playback.get(base, Playback.path(s, id, "720p", FakeLadder.Published.segment(k)),
                            "CMCD-Request", "nor=\"" + FakeLadder.Published.segment(k + 1) + "\"")
                    : Playback.segment(base, s, id, "720p", k);
            assertEquals(200, r.status());
            assertArrayEquals(video.bytes("720p", FakeLadder.Published.segment(k)), r.body(), "segment " + k);
            // Nothing was read ahead: every segment is a miss, read by its own request.
            assertEquals("MISS", r.header("X-Cache"), "segment " + k);
        }
        // A prefetch is scheduled (and PREFETCH_START written) before the response that triggers it is
        // written, so once the last SERVE is in the log no prefetch line can still be coming.
        Playback.awaitServe(node.logDir(), s, "720p", 3);
        assertEquals(List.of(), Playback.events(node.logDir(), "PREFETCH_START", s));
        assertEquals(List.of(), Playback.events(node.logDir(), "PREFETCH_RESULT", s));
        for (int k = 0; k < 4; k++) {
            assertEquals(1, origin.reads(video.variant("720p").prefix() + FakeLadder.Published.segment(k)),
                    "segment " + k + " was read once, by its own request");
        }
        assertEquals(0, origin.reads(video.variant("720p").prefix() + FakeLadder.Published.segment(4)),
                "the segment after the last one played was not read ahead");
        assertEquals(0, node.module().readAhead().pending());
    }

    /** The NO_NEXT_SEGMENT result (it has no segment field: there is no such segment). */
    private JsonNode awaitNoNextSegment(String session) {
        return io.vidforge.testing.Await.value(Playback.TIMEOUT, "NO_NEXT_SEGMENT", () ->
                Playback.events(node.logDir(), "PREFETCH_RESULT", session).stream()
                        .filter(e -> e.path("result").asText().equals("NO_NEXT_SEGMENT")).findFirst().orElse(null));
    }
}
