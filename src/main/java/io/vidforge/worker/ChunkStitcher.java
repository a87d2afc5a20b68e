package io.vidforge.worker;

import io.vidforge.media.EncodeArguments;
import io.vidforge.media.InitSegment;
import io.vidforge.media.VariantBandwidth;
import io.vidforge.media.VariantPlaylist;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TranscodeResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fan-in of the chunked plan: turns the DONE VIDEO_CHUNK tasks of a video (each the accepted attempt's
 * result, at that attempt's prefix) into one rendition per rung under {@code {publishPrefix}{rung}/}, the
 * folder a player and the DASH SegmentTemplate read from. For each rung: the chunks must cover the video
 * from 0 to the end without a gap or an overlap, report the same rungs, number their segments globally and
 * consecutively, and have the same codec configuration ({@link InitSegment#sameCodecConfiguration}: SPS, PPS
 * and sample entry), because the first chunk's init segment is the only one published and must decode every
 * chunk. A difference is refused as {@code CODEC_CONFIG_MISMATCH} (permanent: encoding again on the same
 * workers would give the same). Segments are copied on the S3 server into the publish attempt's own prefix
 * (write-once, attempt-scoped like every output), then the init segment, then the stitched playlist.
 */
final class ChunkStitcher {
    static final String MISMATCH = "CODEC_CONFIG_MISMATCH";
    private static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";

    private final ObjectStore store;
    private final int segmentSeconds;

    ChunkStitcher(ObjectStore store, int segmentSeconds) {
        this.store = store;
        this.segmentSeconds = segmentSeconds;
    }

    private record Chunk(ChunkRange range, Map<String, Variant> rungs) {
    }

    /** The stitched video rungs, in the order the first chunk reports them. */
    List<Variant> stitch(TaskContext ctx, List<Task> chunkTasks) throws PermanentTaskException {
        List<Chunk> chunks = new ArrayList<>();
        for (Task t : chunkTasks) {
            Map<String, Variant> rungs = new LinkedHashMap<>();
            for (Variant v : TranscodeResult.read(t.resultJson()).variants()) {
                rungs.put(v.name(), v);
            }
            chunks.add(new Chunk(ChunkRange.parse(t.variant()), rungs));
        }
        chunks.sort(Comparator.comparingInt(c -> c.range().index()));
        checkCoverage(chunks);
        String generationRoot = PublishHandler.generationRoot(ctx.outputPrefix());
        for (Chunk c : chunks) {
            for (Variant v : c.rungs().values()) {
                if (v.prefix() == null || !v.prefix().startsWith(generationRoot) || !v.prefix().endsWith("/")) {
                    throw new IllegalStateException("chunk " + c.range().variant() + " reports " + v.name() + " at "
                            + v.prefix() + ", outside this video generation's " + generationRoot);
                }
            }
        }
        Chunk first = chunks.get(0);
        for (Chunk c : chunks) {
            if (!c.rungs().keySet().equals(first.rungs().keySet())) {
                throw new PermanentTaskException(MISMATCH, "chunk " + c.range().variant() + " encoded rungs "
                        + c.rungs().keySet() + " where chunk " + first.range().variant() + " encoded "
                        + first.rungs().keySet() + " (workers with different ladder settings?)");
            }
        }
        int total = first.rungs().size() * chunks.size();
        int done = 0;
        List<Variant> stitched = new ArrayList<>();
        for (Variant rung : first.rungs().values()) {
            String prefix = ctx.outputPrefix() + rung.name() + "/";
            byte[] init = null;
            String initName = null;
            List<VariantPlaylist.Segment> segments = new ArrayList<>();
            for (Chunk c : chunks) {
                ProbeHandler.stopIfCancelled(ctx);
                Variant v = c.rungs().get(rung.name());
                VariantPlaylist playlist = VariantPlaylist.parse(new String(
                        store.getBytes(v.prefix() + EncodeArguments.PLAYLIST), StandardCharsets.UTF_8));
                byte[] chunkInit = store.getBytes(v.prefix() + playlist.mapUri());
                if (init == null) {
                    init = chunkInit;
                    initName = playlist.mapUri();
                } else if (!new InitSegment(init).sameCodecConfiguration(new InitSegment(chunkInit))) {
                    throw new PermanentTaskException(MISMATCH, "rung " + rung.name() + " of chunk "
                            + c.range().variant() + " has a different codec configuration (SPS/PPS or sample entry)"
                            + " than chunk " + first.range().variant() + ": one init segment cannot decode both,"
                            + " so the ladder is not published");
                }
                int number = c.range().firstSegment(segmentSeconds);
                for (VariantPlaylist.Segment s : playlist.segments()) {
                    String expected = String.format(Locale.ROOT, EncodeArguments.SEGMENT_PATTERN, segments.size());
                    if (number++ != segments.size() || !s.uri().equals(expected)) {
                        throw new IllegalStateException("rung " + rung.name() + " of chunk " + c.range().variant()
                                + " lists " + s.uri() + " where the stitched rendition needs " + expected);
                    }
                    store.copy(v.prefix() + s.uri(), prefix + s.uri());
                    segments.add(s);
                }
                ctx.progress(0.8 * ++done / total);
            }
            store.putBytes(prefix + initName, init, "video/mp4");
            VariantPlaylist playlist = new VariantPlaylist(initName, segments);
            VariantBandwidth bw = VariantBandwidth.measure(playlist, uri -> store.size(prefix + uri).orElseThrow(
                    () -> new IllegalStateException("OUTPUT_MISSING: " + prefix + uri + " was not copied")));
            store.putBytes(prefix + EncodeArguments.PLAYLIST, playlist.render().getBytes(StandardCharsets.UTF_8),
                    PLAYLIST_TYPE);
            stitched.add(new Variant(rung.name(), rung.width(), rung.height(), bw.peak(), bw.average(), rung.codecs(),
                    rung.frameRate(), segments.size(), rung.segmentSeconds(), prefix));
        }
        return stitched;
    }

    /** Chunk 0 from 0 s, each next one where the previous ended, the last one to the end; no other chunks. */
    private static void checkCoverage(List<Chunk> chunks) {
        if (chunks.isEmpty()) {
            throw new IllegalStateException("no completed VIDEO_CHUNK results to stitch");
        }
        int expectedStart = 0;
        for (int i = 0; i < chunks.size(); i++) {
            ChunkRange r = chunks.get(i).range();
            if (r.index() != i || r.startS() != expectedStart || r.last() != (i == chunks.size() - 1)) {
                throw new IllegalStateException("the completed chunks do not cover the video once from 0 to the end: "
                        + chunks.stream().map(c -> c.range().variant()).toList());
            }
            expectedStart = r.endS();
        }
    }
}
