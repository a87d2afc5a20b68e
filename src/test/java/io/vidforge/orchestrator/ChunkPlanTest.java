package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.tasks.TranscodeSplit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the chunked plan cuts a source into VIDEO_CHUNK ranges, and how a range is written in a task's variant. */
class ChunkPlanTest {

    private static List<String> variants(double duration, int chunk, int segment) {
        return ChunkRange.plan(duration, chunk, segment).stream().map(ChunkRange::variant).toList();
    }

    @Test
    void a_source_is_cut_every_chunk_length_and_the_last_chunk_takes_a_tail_shorter_than_a_segment() {
        assertEquals(List.of("c0000-0s-30s", "c0001-30s-end"), variants(60.0, 30, 6));
        assertEquals(List.of("c0000-0s-30s", "c0001-30s-end"), variants(66.0, 30, 6), "a tail of one segment joins the last chunk");
        assertEquals(List.of("c0000-0s-30s", "c0001-30s-60s", "c0002-60s-end"), variants(66.5, 30, 6));
        assertEquals(List.of("c0000-0s-30s", "c0001-30s-end"), variants(60.2, 30, 6));
        assertEquals(List.of("c0000-0s-4s", "c0001-4s-8s", "c0002-8s-end"), variants(11.0, 4, 2));
    }

    @Test
    void a_short_video_is_one_chunk() {
        assertEquals(List.of("c0000-0s-end"), variants(36.0, 30, 6));
        assertEquals(List.of("c0000-0s-end"), variants(3.0, 30, 6));
        assertEquals(List.of("c0000-0s-end"), variants(0.5, 2, 2));
    }

    @Test
    void the_chunk_length_must_be_whole_segments_and_defaults_to_about_30_seconds() {
        assertEquals(30, ChunkRange.defaultSeconds(6));
        assertEquals(32, ChunkRange.defaultSeconds(4));
        assertEquals(30, ChunkRange.defaultSeconds(2));
        assertEquals(35, ChunkRange.defaultSeconds(7));
        assertEquals(12, ChunkRange.validSeconds(12, 6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChunkRange.validSeconds(10, 6));
        assertEquals("CHUNK_SECONDS must be a positive multiple of SEGMENT_SECONDS (6), was 10", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChunkRange.validSeconds(0, 6));
        assertThrows(IllegalArgumentException.class, () -> ChunkRange.validSeconds(-6, 6));
        assertThrows(IllegalArgumentException.class, () -> ChunkRange.plan(60, 10, 6));
    }

    @Test
    void a_range_reads_back_from_its_variant_with_its_seconds_and_first_segment() {
        ChunkRange middle = ChunkRange.parse("c0003-90s-120s");
        assertEquals(new ChunkRange(3, 90, 120), middle);
        assertFalse(middle.last());
        assertEquals(30.0, middle.seconds(200.0), 1e-9);
        assertEquals(10.0, middle.seconds(100.0), 1e-9, "never past the source's end");
        assertEquals(0.0, middle.seconds(80.0), 1e-9);
        assertEquals(15, middle.firstSegment(6));
        ChunkRange last = ChunkRange.parse("c0004-120s-end");
        assertTrue(last.last());
        assertEquals(ChunkRange.TO_END, last.endS());
        assertEquals(7.5, last.seconds(127.5), 1e-9);
        assertEquals("c0004-120s-end", last.variant());
        assertEquals("c12345-6s-12s", new ChunkRange(12345, 6, 12).variant());
        for (String bad : List.of("", "720p", "c1-0s-4s", "c0001-4s", "c0001-4s-2s", "c0001-4s-4s", "x0001-0s-4s")) {
            assertThrows(IllegalArgumentException.class, () -> ChunkRange.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new ChunkRange(-1, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new ChunkRange(0, -2, 4));
        assertEquals(new ChunkRange(0, 0, ChunkRange.TO_END), ChunkRange.parse("c0000-0s-end"));
    }

    @Test
    void encode_kinds_and_their_split() {
        assertTrue(TaskKind.AUDIO.encodes() && TaskKind.VIDEO_CHUNK.encodes() && TaskKind.TRANSCODE.encodes());
        assertFalse(TaskKind.PROBE.encodes() || TaskKind.PUBLISH.encodes());
        assertTrue(TaskKind.VIDEO_CHUNK.readsSource() && TaskKind.AUDIO.readsSource());
        assertFalse(TaskKind.PUBLISH.readsSource());
        assertEquals(TranscodeSplit.CHUNK, TranscodeSplit.of(task(TaskKind.VIDEO_CHUNK, "c0000-0s-end")));
        assertEquals(TranscodeSplit.CHUNK, TranscodeSplit.of(task(TaskKind.AUDIO, "audio")));
        assertEquals(TranscodeSplit.RUNG, TranscodeSplit.of(task(TaskKind.TRANSCODE, "audio")));
        assertEquals(TranscodeSplit.LADDER, TranscodeSplit.of(task(TaskKind.TRANSCODE, "")));
        assertEquals("chunk", TranscodeSplit.CHUNK.id());
    }

    private static Task task(TaskKind kind, String variant) {
        return new Task(1, "v", 1, kind, variant, TaskState.READY, 0, 3, 1, null, null, null, 0, null, null, null);
    }
}
