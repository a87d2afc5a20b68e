package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.http.ApiException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One upload node's ingest, called directly on a platform (no HTTP): what it records and logs for a new
 * upload, a duplicate, a repair of a live video whose raw object is gone, a re-upload of a deleted video,
 * and a stream that breaks off. The HTTP-level tests (UploadIdempotencyTest, BadRequestTest,
 * StreamingUploadTest) cover the same paths through the API; the event fields an operator reads are
 * asserted here.
 */
@Tag("db")
class UploadIngestTest {
    private static final UploadIngest.Meta META = new UploadIngest.Meta("clip.mp4", "a title", "video/mp4");

    private Platform platform;
    private UploadIngest ingest;

    @BeforeEach
    void start() {
        platform = Platform.open(Settings.of(TestNodes.environment("ingest"))
                .with(Map.of("NODE_ID", "upload-1", "MAX_UPLOAD_BYTES", "300000")), "upload-1", Clock.systemUTC());
        ingest = new UploadIngest(platform);
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    private List<JsonNode> events(String name) {
        return EventLogs.events(platform.settings().logDir(), name, e -> true);
    }

    @Test
    void a_new_upload_logs_its_own_duration_and_no_earlier_status() {
        long before = System.nanoTime();
        UploadIngest.Result r = ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(100_000, 1)), META);
        long elapsedMs = (System.nanoTime() - before) / 1_000_000;

        assertFalse(r.duplicate());
        JsonNode received = events("UPLOAD_RECEIVED").getFirst();
        assertEquals(r.video().videoId(), received.path("video_id").asText());
        assertEquals(100_000, received.path("size_bytes").asLong());
        long duration = received.path("duration_ms").asLong(-1);
        assertTrue(duration >= 0 && duration <= elapsedMs, "duration_ms " + duration + " within the " + elapsedMs + " ms the call took");
        assertTrue(received.path("restarted_from").isMissingNode() || received.path("restarted_from").isNull(),
                received.toString());
        JsonNode change = events("STATE_CHANGE").getFirst();
        assertTrue(change.path("from").isNull() || change.path("from").isMissingNode(), change.toString());
        assertEquals("uploaded", change.path("to").asText());
        assertEquals(1, change.path("generation").asInt());
    }

    @Test
    void a_duplicate_of_a_live_video_is_logged_as_upload_duplicate_with_its_status_and_removes_its_own_object() {
        byte[] bytes = SampleBytes.pseudoMp4(100_000, 2);
        Video first = ingest.ingest(new ByteArrayInputStream(bytes), META).video();
        UploadIngest.Result again = ingest.ingest(new ByteArrayInputStream(bytes), META);

        assertTrue(again.duplicate());
        assertEquals(first.videoId(), again.video().videoId());
        List<JsonNode> duplicates = events("UPLOAD_DUPLICATE");
        assertEquals(1, duplicates.size(), duplicates.toString());
        assertEquals(first.videoId(), duplicates.getFirst().path("video_id").asText());
        assertEquals("uploaded", duplicates.getFirst().path("status").asText());
        assertEquals(List.of(first.rawKey()), platform.store().list("raw/"), "the duplicate's own object is removed");
    }

    @Test
    void the_same_bytes_after_the_raw_object_vanished_repair_the_live_video_as_its_next_generation() {
        byte[] bytes = SampleBytes.pseudoMp4(100_000, 3);
        Video first = ingest.ingest(new ByteArrayInputStream(bytes), META).video();
        platform.store().delete(first.rawKey());

        UploadIngest.Result repaired = ingest.ingest(new ByteArrayInputStream(bytes), META);

        assertFalse(repaired.duplicate(), "a repair is not a duplicate");
        assertEquals(2, repaired.video().generation());
        assertTrue(platform.store().exists(repaired.video().rawKey()), "the repair's own object is the raw object");
        assertEquals(1, events("RAW_OBJECT_MISSING").size());
        JsonNode change = events("STATE_CHANGE").getLast();
        assertEquals("uploaded", change.path("from").asText());
        assertEquals(2, change.path("generation").asInt());
        assertEquals("repair", change.path("reason").asText());
        assertEquals("uploaded", events("UPLOAD_RECEIVED").getLast().path("restarted_from").asText());
    }

    @Test
    void the_same_bytes_as_a_deleted_video_bring_it_back_as_its_next_generation_by_re_upload() {
        byte[] bytes = SampleBytes.pseudoMp4(100_000, 4);
        Video first = ingest.ingest(new ByteArrayInputStream(bytes), META).video();
        boolean deleted = platform.sql().inTransaction(c -> platform.videos().markDeleted(c, first.videoId(), 1,
                VideoStatus.UPLOADED, "test"));
        assertTrue(deleted);

        UploadIngest.Result back = ingest.ingest(new ByteArrayInputStream(bytes), META);

        assertFalse(back.duplicate());
        assertEquals(VideoStatus.UPLOADED, back.video().status());
        assertEquals(2, back.video().generation());
        JsonNode change = events("STATE_CHANGE").getLast();
        assertEquals("deleted", change.path("from").asText());
        assertEquals(2, change.path("generation").asInt());
        assertEquals("re-upload", change.path("reason").asText());
        assertEquals("deleted", events("UPLOAD_RECEIVED").getLast().path("restarted_from").asText());
        assertEquals(List.of(), events("RAW_OBJECT_MISSING"), "a re-upload is no repair");
    }

    @Test
    void a_title_filename_or_type_of_only_blanks_and_control_characters_is_recorded_as_none_and_a_long_one_is_cut() {
        String longTitle = "t".repeat(600);
        Video blank = ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(50_000, 5)),
                new UploadIngest.Meta(" \u0001\t ", "\u0007 ", "  ")).video();
        assertNull(blank.title());
        assertNull(blank.originalFilename());
        assertNull(blank.contentType());
        Video unnamed = ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(50_000, 10)),
                new UploadIngest.Meta(null, null, null)).video();
        assertNull(unnamed.title(), "no title given, none recorded (not an empty one)");
        assertNull(unnamed.originalFilename());
        assertNull(unnamed.contentType());

        Video cut = ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(50_000, 6)),
                new UploadIngest.Meta("a\u0000b.mp4", longTitle, "video/mp4")).video();
        assertEquals("t".repeat(512), cut.title());
        assertEquals("a b.mp4", cut.originalFilename(), "a control character becomes a space");
        String exact = "x".repeat(512);
        assertEquals(exact, ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(50_000, 7)),
                new UploadIngest.Meta("f.mp4", exact, "video/mp4")).video().title(), "a title of exactly the limit is kept whole");
    }

    @Test
    void a_stream_that_breaks_off_is_refused_as_interrupted_naming_the_bytes_received_and_stores_nothing() {
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(SampleBytes.pseudoMp4(70_000, 8)),
                new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("connection reset by peer");
                    }
                });

        ApiException e = assertThrows(ApiException.class, () -> ingest.ingest(broken, META));

        assertEquals(400, e.status());
        assertEquals("UPLOAD_INTERRUPTED", e.code());
        JsonNode aborted = events("UPLOAD_ABORTED").getFirst();
        assertEquals("client_stream_broken", aborted.path("reason").asText());
        assertEquals(70_000, aborted.path("bytes_received").asLong());
        assertEquals(List.of(), platform.store().list("raw/"));
        assertFalse(platform.videos().any());
    }

    @Test
    void an_upload_over_the_limit_is_refused_as_too_large_not_as_interrupted_and_stores_nothing() {
        ApiException e = assertThrows(ApiException.class,
                () -> ingest.ingest(new ByteArrayInputStream(SampleBytes.pseudoMp4(400_000, 9)), META));

        assertEquals(413, e.status());
        assertEquals("PAYLOAD_TOO_LARGE", e.code());
        assertEquals("too_large", events("UPLOAD_ABORTED").getFirst().path("reason").asText());
        assertEquals(List.of(), platform.store().list("raw/"));
    }

    @Test
    void a_database_failure_after_the_bytes_are_stored_keeps_the_object_and_says_so() {
        // The database goes away the moment the last byte has been read: the object is stored, the row
        // cannot be written, and whether an earlier write committed is unknown.
        InputStream body = new SequenceInputStream(new ByteArrayInputStream(SampleBytes.pseudoMp4(60_000, 11)),
                new InputStream() {
                    private boolean gone;

                    @Override
                    public int read() {
                        if (!gone) {
                            gone = true;
                            platform.sql().update("ALTER TABLE videos RENAME TO videos_away");
                        }
                        return -1;
                    }
                });
        try {
            assertThrows(RuntimeException.class, () -> ingest.ingest(body, META));
        } finally {
            platform.sql().update("ALTER TABLE videos_away RENAME TO videos");
        }

        List<JsonNode> kept = events("UPLOAD_OBJECT_KEPT");
        assertEquals(1, kept.size());
        String key = kept.getFirst().path("object_key").asText();
        assertTrue(key.startsWith("raw/"), key);
        assertEquals(List.of(key), platform.store().list("raw/"), "the object stays for the clean-up to judge");
        assertFalse(platform.videos().any());
    }
}
