package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pieces of a chunk encode that need no ffmpeg: where each rung's frames are cut (exact integers on
 * rational rates), the arguments that make a chunk the whole encode's range, the decode-time shift of its
 * fragments and the codec configuration publish compares.
 */
class ChunkArgumentsTest {
    private static final Ladder LADDER = Ladder.standard(6);
    private static final Path OUT = Path.of("/tmp/chunk-out");

    private static SourceInfo source(double fps) {
        return new SourceInfo(120, 1920, 1080, "h264", "aac", fps, 2, 0, "mov,mp4");
    }

    @Test
    void a_cut_starts_at_the_first_frame_at_or_after_the_chunk_start_in_exact_integers() {
        OutputFrameRate ntsc = new OutputFrameRate(30000, 1001);
        ChunkCut cut = ChunkCut.of(ntsc, 30, 60);
        assertEquals(900, cut.startFrame(), "30 s is frame 899.1: the first frame at or after it is 900 (30.03 s)");
        assertEquals(1799, cut.endFrame(), "60 s is frame 1798.2");
        assertEquals(899, cut.frames());
        assertEquals("trim=start_pts=900:end_pts=1799", cut.trimFilter());
        assertEquals(900 * 1001, cut.offsetTicks(30000));
        ChunkCut whole = ChunkCut.of(new OutputFrameRate(30, 1), 6, -1);
        assertEquals(180, whole.startFrame());
        assertEquals(-1, whole.endFrame());
        assertEquals(-1, whole.frames());
        assertEquals("trim=start_pts=180", whole.trimFilter());
        assertEquals(92160, whole.offsetTicks(15360), "6 s at ffmpeg's 15360 Hz video timescale");
        assertEquals(0, ChunkCut.of(new OutputFrameRate(25, 1), 0, 6).offsetTicks(12800));
        assertThrows(IllegalStateException.class, () -> ChunkCut.of(new OutputFrameRate(30000, 1001), 2, 4).offsetTicks(7),
                "a timescale without whole ticks per frame");
    }

    @Test
    void a_chunk_decodes_from_before_its_start_on_the_whole_encodes_timeline_and_cuts_every_rung_exactly() {
        List<Rung> rungs = LADDER.rungsFor(source(59.94));
        List<String> a = EncodeArguments.forChunk(Path.of("/src.mp4"), source(59.94), rungs, LADDER, "veryfast", OUT, 18, 30);
        String joined = String.join(" ", a);
        int input = a.indexOf("-i");
        assertEquals(List.of("-ss", "16", "-noaccurate_seek", "-t", "31", "-copyts", "-start_at_zero"),
                a.subList(a.indexOf("-ss"), input),
                "2 s of pre-roll, every decoded frame kept, read to 1 s after the end, the source's clock");
        String graph = a.get(a.indexOf("-filter_complex") + 1);
        assertTrue(graph.startsWith("[0:V:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=60000/1001,split="),
                graph);
        assertFalse(graph.contains("start_time=0"), "no padding before a later chunk's pre-roll: " + graph);
        // 1080p and 720p keep 59.94 fps: 18 s is frame 1078.9 -> 1079; lower rungs halve first: frame 539.5 -> 540.
        assertTrue(graph.contains("[s0]trim=start_pts=1079:end_pts=1799,scale=1920:1080"), graph);
        assertTrue(graph.contains("[s2]fps=30000/1001,trim=start_pts=540:end_pts=900,scale="), graph);
        assertFalse(a.contains("cfr"), "frames keep their global timestamps into the encoder");
        assertTrue(joined.contains("-fps_mode passthrough"), joined);
        assertTrue(joined.contains("-force_key_frames expr:gte(t,18+n_forced*2)"), joined);
        assertEquals(rungs.size(), a.stream().filter(x -> x.equals("-start_number")).count());
        assertEquals("3", a.get(a.indexOf("-start_number") + 1), "18 s is segment 3 of 6 s segments");
        assertFalse(a.contains("0:a:0"), "no audio in a chunk");
    }

    @Test
    void the_first_chunk_pads_from_zero_like_the_whole_encode_and_seeks_nowhere() {
        List<String> a = EncodeArguments.forChunk(Path.of("/src.mp4"), source(30), LADDER.rungsFor(source(30)), LADDER,
                "veryfast", OUT, 0, 30);
        assertFalse(a.contains("-ss"));
        assertEquals("31", a.get(a.indexOf("-t") + 1));
        String graph = a.get(a.indexOf("-filter_complex") + 1);
        assertTrue(graph.contains("fps=30:start_time=0,"), graph);
        assertTrue(graph.contains("trim=start_pts=0:end_pts=900,"), graph);
        assertTrue(String.join(" ", a).contains("-force_key_frames expr:gte(t,n_forced*2)"), "as the whole encode's");
    }

    @Test
    void a_chunk_that_is_not_whole_segments_or_has_no_rung_is_refused() {
        List<Rung> rungs = LADDER.rungsFor(source(30));
        assertThrows(IllegalArgumentException.class,
                () -> EncodeArguments.forChunk(Path.of("/s"), source(30), rungs, LADDER, "veryfast", OUT, 5, 30));
        assertThrows(IllegalArgumentException.class,
                () -> EncodeArguments.forChunk(Path.of("/s"), source(30), rungs, LADDER, "veryfast", OUT, 6, 10));
        assertThrows(IllegalArgumentException.class,
                () -> EncodeArguments.forChunk(Path.of("/s"), source(30), rungs, LADDER, "veryfast", OUT, 12, 12));
        assertThrows(IllegalArgumentException.class,
                () -> EncodeArguments.forChunk(Path.of("/s"), source(30), List.of(), LADDER, "veryfast", OUT, 0, 6));
        assertThrows(IllegalArgumentException.class,
                () -> EncodeArguments.forChunk(Path.of("/s"), source(30), rungs, LADDER, "veryfast", Path.of("/a%b"), 0, 6));
    }

    @Test
    void fragment_times_move_every_tfdt_and_the_sidx_by_the_same_ticks_and_refuse_what_32_bits_cannot_hold() {
        byte[] segment = segment(false, 1024, 3000);
        assertEquals(2, FragmentTimes.shift(segment, 92160));
        ByteBuffer b = ByteBuffer.wrap(segment);
        assertEquals(1024 + 92160, b.getInt(8 + 12), "sidx earliest_presentation_time (32 bits)");
        assertEquals(3000 + 92160, b.getLong(segment.length - 8), "tfdt baseMediaDecodeTime (64 bits)");
        assertEquals(0, FragmentTimes.shift(box("free", new byte[4]), 5), "nothing to move in a box without times");
        byte[] narrow = segment(true, 0xFFFFFF00, 0);
        assertThrows(IllegalArgumentException.class, () -> FragmentTimes.shift(narrow, 0x1000));
    }

    @Test
    void the_codec_configuration_is_the_sample_description_without_measured_bit_rates() {
        byte[] a = init(new byte[] {1, 100, 0, 31}, 1000);
        byte[] sameButRates = init(new byte[] {1, 100, 0, 31}, 777_777);
        byte[] otherSps = init(new byte[] {1, 77, 0, 30}, 1000);
        assertTrue(new InitSegment(a).sameCodecConfiguration(new InitSegment(sameButRates)));
        assertFalse(new InitSegment(a).sameCodecConfiguration(new InitSegment(otherSps)));
        assertArrayEquals(new InitSegment(a).codecConfiguration(), new InitSegment(sameButRates).codecConfiguration());
        assertThrows(IllegalArgumentException.class, () -> new InitSegment(box("moov", new byte[8])).codecConfiguration());
    }

    /** styp-less test segment: sidx (version 0) then moof/traf/tfdt (version 1, or 0 with {@code narrowTfdt}). */
    private static byte[] segment(boolean narrowTfdt, long ept, long decodeTime) {
        ByteBuffer sidx = ByteBuffer.allocate(4 + 4 + 4 + 4 + 4 + 4);
        sidx.putInt(0).putInt(1).putInt(15360).putInt((int) ept).putInt(0).putInt(0);
        ByteBuffer tfdt = narrowTfdt ? ByteBuffer.allocate(8).putInt(0).putInt((int) ept)
                : ByteBuffer.allocate(12).putInt(0x01000000).putLong(decodeTime);
        byte[] traf = box("traf", box("tfdt", tfdt.array()));
        byte[] moof = box("moof", traf);
        byte[] s = box("sidx", sidx.array());
        return ByteBuffer.allocate(s.length + moof.length).put(s).put(moof).array();
    }

    private static byte[] init(byte[] avcConfig, int bitrate) {
        byte[] avcC = box("avcC", avcConfig);
        byte[] btrt = box("btrt", ByteBuffer.allocate(12).putInt(bitrate).putInt(bitrate).putInt(bitrate).array());
        byte[] avc1 = box("avc1", ByteBuffer.allocate(avcC.length + btrt.length).put(avcC).put(btrt).array());
        byte[] stsd = box("stsd", ByteBuffer.allocate(8 + avc1.length).putInt(0).putInt(1).put(avc1).array());
        return box("moov", box("mdhd", new byte[24]), stsd);
    }

    private static byte[] box(String type, byte[]... payloads) {
        int n = 0;
        for (byte[] p : payloads) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(8 + n).putInt(8 + n).put(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (byte[] p : payloads) {
            b.put(p);
        }
        return b.array();
    }
}
