package io.vidforge.segment;

import io.vidforge.media.EncodeArguments;
import io.vidforge.media.VariantPlaylist;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.PlayableStart;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a video of the chunked plan plays from before it is published ("playable early",
 * docs/processing.md): the accepted (DONE, fenced) AUDIO task and the contiguous prefix of accepted
 * VIDEO_CHUNK tasks, chunk 0..k with no gap. Each rung's playlist is an EVENT playlist of the prefix's
 * segments under their global numbers, the same URIs the published playlist will name; each segment
 * resolves to the accepted chunk attempt's object (the publish copies those same bytes). No other attempt's
 * object is ever named: a zombie attempt's output is not in any DONE task's result.
 */
public final class EarlyLadder {
    /** One rung (or the audio) of the early ladder. */
    private record Rendition(Variant listed, List<Part> parts, String playlist) {
    }

    /** The segments {@code [first, end)} of one accepted attempt, at that attempt's prefix. */
    private record Part(int first, int end, Variant at) {
    }

    private final Video video;
    private final Map<String, Rendition> renditions;
    private final boolean complete;

    private EarlyLadder(Video video, Map<String, Rendition> renditions, boolean complete) {
        this.video = video;
        this.renditions = renditions;
        this.complete = complete;
    }

    /**
     * The early ladder of a processing, playable video; empty when its accepted tasks do not make one (not a
     * chunked plan, or chunk 0 not accepted).
     *
     * @param accepted the generation's DONE AUDIO and VIDEO_CHUNK tasks
     * @param read     an object's bytes by key (write-once objects: the node-local cache)
     */
    static Optional<EarlyLadder> of(Video video, List<Task> accepted, Function<String, byte[]> read) {
        List<Task> prefix = PlayableStart.acceptedPrefix(accepted);
        if (prefix.isEmpty()) {
            return Optional.empty();
        }
        boolean complete = ChunkRange.parse(prefix.get(prefix.size() - 1).variant()).last();
        Map<String, List<Part>> parts = new LinkedHashMap<>();
        Map<String, List<VariantPlaylist.Segment>> segments = new LinkedHashMap<>();
        Map<String, String> maps = new LinkedHashMap<>();
        Map<String, Variant> first = new LinkedHashMap<>();
        for (Task t : prefix) {
            for (Variant v : TranscodeResult.read(t.resultJson()).variants()) {
                if (t != prefix.get(0) && !first.containsKey(v.name())) {
                    continue; // a rung chunk 0 did not encode cannot be played from the start
                }
                first.putIfAbsent(v.name(), v);
                VariantPlaylist playlist = playlist(read, v);
                List<VariantPlaylist.Segment> listed = segments.computeIfAbsent(v.name(), n -> new ArrayList<>());
                int start = listed.size();
                if (!consecutive(playlist, start)) {
                    return Optional.empty(); // not this platform's chunk output: play nothing rather than a gap
                }
                maps.putIfAbsent(v.name(), playlist.mapUri());
                listed.addAll(playlist.segments());
                parts.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(new Part(start, listed.size(), v));
            }
        }
        int videoSegments = segments.values().stream().mapToInt(List::size).min().orElse(0);
        Map<String, Rendition> renditions = new LinkedHashMap<>();
        int target = targetDuration(first.values().iterator().next());
        for (Variant v : first.values()) {
            List<VariantPlaylist.Segment> listed = segments.get(v.name());
            Variant shown = new Variant(v.name(), v.width(), v.height(), v.bandwidth(), v.averageBandwidth(),
                    v.codecs(), v.frameRate(), listed.size(), v.segmentSeconds(), v.prefix(), v.type());
            renditions.put(v.name(), new Rendition(shown, parts.get(v.name()),
                    new VariantPlaylist(maps.get(v.name()), listed).renderEvent(target)));
        }
        for (Task t : accepted) {
            if (t.kind() == TaskKind.AUDIO && t.resultJson() != null) {
                for (Variant a : TranscodeResult.read(t.resultJson()).variants()) {
                    VariantPlaylist playlist = playlist(read, a);
                    // As far as the video goes, so every rendition's live edge is at the same time.
                    int n = complete ? playlist.segments().size() : Math.min(videoSegments, playlist.segments().size());
                    Variant shown = new Variant(a.name(), a.width(), a.height(), a.bandwidth(), a.averageBandwidth(),
                            a.codecs(), a.frameRate(), n, a.segmentSeconds(), a.prefix(), a.type());
                    renditions.put(a.name(), new Rendition(shown, List.of(new Part(0, n, a)),
                            new VariantPlaylist(playlist.mapUri(), playlist.segments().subList(0, n))
                                    .renderEvent(Math.max(target, playlist.targetDuration()))));
                }
            }
        }
        List<Variant> variants = renditions.values().stream().map(Rendition::listed).toList();
        Video shown = new Video(video.videoId(), video.contentSha256(), video.profile(), video.status(), video.title(),
                video.originalFilename(), video.contentType(), video.sizeBytes(), video.rawKey(), video.generation(),
                video.source(), variants, video.errorCode(), video.errorMessage(), video.createdAt(), video.updatedAt(),
                video.playableAt());
        return Optional.of(new EarlyLadder(shown, renditions, complete));
    }

    /**
     * The EXT-X-TARGETDURATION of a growing playlist: the segment duration, which every segment but the last
     * keeps exactly (IDRs are forced on the segment grid), so the value is the final playlist's from the
     * first reload on (RFC 8216 §6.2.1: it must not change).
     */
    static int targetDuration(Variant v) {
        return (int) Math.max(1, Math.ceil(v.segmentSeconds() - 1e-6));
    }

    private static VariantPlaylist playlist(Function<String, byte[]> read, Variant v) {
        return VariantPlaylist.parse(new String(read.apply(v.prefix() + EncodeArguments.PLAYLIST), StandardCharsets.UTF_8));
    }

    /** Whether the chunk's segments are {@code seg_{start}}, {@code seg_{start+1}}, …: global numbers, no gap. */
    private static boolean consecutive(VariantPlaylist playlist, int start) {
        int expected = start;
        for (VariantPlaylist.Segment s : playlist.segments()) {
            Optional<PlaybackFile> f = PlaybackPaths.parseFile(s.uri());
            if (f.isEmpty() || !f.get().isSegment() || f.get().index() != expected++) {
                return false;
            }
        }
        return true;
    }

    /** The video as this ladder shows it: its renditions with the segments listed so far, chunk 0's prefix. */
    public Video video() {
        return video;
    }

    /** Whether every chunk is accepted (the playlists list every segment; publish adds the ENDLIST). */
    public boolean complete() {
        return complete;
    }

    /** The EVENT playlist of a rendition; null for a name this ladder does not have. */
    public String playlist(String variant) {
        Rendition r = renditions.get(variant);
        return r == null ? null : r.playlist();
    }

    /**
     * The rendition at the accepted attempt that holds {@code file}, with {@code segmentCount} the end of that
     * attempt's segments (so read-ahead stops where the next attempt's prefix begins); empty for an unknown
     * rendition or a segment not listed yet.
     */
    public Optional<Variant> variantFor(String variant, PlaybackFile file) {
        Rendition r = renditions.get(variant);
        if (r == null) {
            return Optional.empty();
        }
        if (!file.isSegment()) {
            return Optional.of(r.listed());
        }
        for (Part p : r.parts()) {
            if (file.index() >= p.first() && file.index() < p.end()) {
                Variant at = p.at();
                return Optional.of(new Variant(at.name(), at.width(), at.height(), at.bandwidth(), at.averageBandwidth(),
                        at.codecs(), at.frameRate(), p.end(), at.segmentSeconds(), at.prefix(), at.type()));
            }
        }
        return Optional.empty();
    }
}
