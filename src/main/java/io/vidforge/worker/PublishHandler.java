package io.vidforge.worker;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.DashManifest;
import io.vidforge.media.DashTrack;
import io.vidforge.media.EncodeArguments;
import io.vidforge.media.Ladder;
import io.vidforge.media.MasterPlaylist;
import io.vidforge.media.RelativeKey;
import io.vidforge.media.VariantPlaylist;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.PublishResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * PUBLISH (fan-in): takes exactly the renditions the completed encode tasks report (every rung and the
 * audio from the one whole-ladder task, or one rung or the audio from each per-rung task, or the audio
 * from the AUDIO task and every rung stitched from the VIDEO_CHUNK tasks by {@link ChunkStitcher}), each at
 * the attempt-scoped prefix its completing attempt wrote (stitched rungs: this attempt's), checks that every playlist and every object it names is in S3, and writes the
 * master playlist and the DASH manifest ({@link DashManifest}, over the same segments) under this
 * attempt's prefix. It changes no database
 * state: the worker's fenced completion of this task is what publishes the returned {@link PublishResult}.
 */
public final class PublishHandler implements TaskHandler {
    private static final Logger LOG = Logger.getLogger(PublishHandler.class.getName());
    public static final String MASTER = "master.m3u8";
    /** styp, sidx and moof's mfhd/traf/tfhd/tfdt come first in a segment; 4 KiB holds them with room to spare. */
    private static final int FIRST_SEGMENT_HEAD_BYTES = 4096;

    private final ObjectStore store;
    private final Ladder ladder;
    private final ChunkStitcher stitcher;

    public PublishHandler(ObjectStore store, Settings settings) {
        this(store, Ladder.from(settings));
    }

    public PublishHandler(ObjectStore store, Ladder ladder) {
        this.store = store;
        this.ladder = ladder;
        this.stitcher = new ChunkStitcher(store, ladder.segmentSeconds());
    }

    @Override
    public TaskKind kind() {
        return TaskKind.PUBLISH;
    }

    @Override
    public String handle(TaskContext ctx) throws Exception {
        ProbeResult probe = null;
        Map<String, Variant> byName = new HashMap<>();
        List<Task> chunks = new ArrayList<>();
        for (Task t : ctx.completedSiblings()) {
            if (t.resultJson() == null || t.resultJson().isBlank()) {
                continue;
            }
            if (t.kind() == TaskKind.PROBE) {
                probe = Json.read(t.resultJson(), ProbeResult.class);
            } else if (t.kind() == TaskKind.TRANSCODE || t.kind() == TaskKind.AUDIO) {
                for (Variant v : TranscodeResult.read(t.resultJson()).variants()) {
                    add(byName, v);
                }
            } else if (t.kind() == TaskKind.VIDEO_CHUNK) {
                chunks.add(t);
            }
        }
        if (!chunks.isEmpty()) {
            // The chunked plan: the video rungs are stitched from the chunks into this attempt's prefix.
            for (Variant v : stitcher.stitch(ctx, chunks)) {
                add(byName, v);
            }
        }
        if (probe == null) {
            throw new IllegalStateException("no completed PROBE result for video " + ctx.video().videoId());
        }
        if (byName.values().stream().allMatch(Variant::isAudio)) {
            throw new IllegalStateException("no completed TRANSCODE results with video for video "
                    + ctx.video().videoId());
        }
        warnAboutUnplannedLadder(probe, byName);

        String generationRoot = generationRoot(ctx.outputPrefix());
        List<Variant> variants = new ArrayList<>(byName.values());
        // Video rungs highest first, the audio rendition last.
        variants.sort(Comparator.comparing(Variant::isAudio)
                .thenComparing(Comparator.comparingLong(Variant::bandwidth).reversed()));
        List<DashTrack> dash = new ArrayList<>();
        for (Variant v : variants) {
            ProbeHandler.stopIfCancelled(ctx);
            VariantPlaylist playlist = verifyStored(v, generationRoot);
            dash.add(dashTrack(v, playlist));
        }
        String posterKey = probe.posterKey() != null && store.exists(probe.posterKey()) ? probe.posterKey() : null;
        if (posterKey == null) {
            LOG.warning(() -> "video " + ctx.video().videoId() + " is published without a poster");
        }

        String masterKey = ctx.outputPrefix() + MASTER;
        String master = MasterPlaylist.render(variants,
                v -> RelativeKey.between(ctx.outputPrefix(), v.prefix() + EncodeArguments.PLAYLIST));
        ProbeHandler.stopIfCancelled(ctx);
        store.putBytes(masterKey, master.getBytes(StandardCharsets.UTF_8), "application/vnd.apple.mpegurl");
        // The DASH manifest over the same segments, next to the master (segment nodes serve it rebased).
        String mpd = DashManifest.render(dash, v -> RelativeKey.toFolder(ctx.outputPrefix(), v.prefix()));
        store.putBytes(ctx.outputPrefix() + DashManifest.FILE, mpd.getBytes(StandardCharsets.UTF_8),
                DashManifest.CONTENT_TYPE);
        ctx.progress(1.0);
        return Json.write(new PublishResult(variants, masterKey, posterKey));
    }

    private static void add(Map<String, Variant> byName, Variant v) {
        if (byName.putIfAbsent(v.name(), v) != null) {
            throw new IllegalStateException("two completed encode results for variant " + v.name());
        }
    }

    /**
     * The variant's playlist exists, names only objects under its own prefix (no segment of another
     * attempt can be mixed in), and every one of them is stored and non-empty.
     */
    private VariantPlaylist verifyStored(Variant v, String generationRoot) {
        if (v.prefix() == null || !v.prefix().startsWith(generationRoot) || !v.prefix().endsWith("/")) {
            throw new IllegalStateException("rendition " + v.name() + " has prefix " + v.prefix()
                    + ", outside this video generation's " + generationRoot);
        }
        String playlistKey = v.prefix() + EncodeArguments.PLAYLIST;
        if (store.size(playlistKey).isEmpty()) {
            throw new IllegalStateException("OUTPUT_MISSING: " + playlistKey + " of variant " + v.name() + " is not stored");
        }
        VariantPlaylist playlist = VariantPlaylist.parse(new String(store.getBytes(playlistKey), StandardCharsets.UTF_8));
        if (playlist.segments().size() != v.segmentCount()) {
            throw new IllegalStateException("variant " + v.name() + " reported " + v.segmentCount()
                    + " segments but " + playlistKey + " lists " + playlist.segments().size());
        }
        List<String> names = new ArrayList<>();
        names.add(playlist.mapUri());
        playlist.segments().forEach(s -> names.add(s.uri()));
        for (String name : names) {
            if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new IllegalStateException(playlistKey + " names " + name + ", outside its own prefix");
            }
            if (store.size(v.prefix() + name).filter(n -> n > 0).isEmpty()) {
                throw new IllegalStateException("OUTPUT_MISSING: " + v.prefix() + name + " of variant " + v.name()
                        + " is missing or empty");
            }
        }
        return playlist;
    }

    /** What the MPD needs beyond the playlist: the init segment and the head of the first media segment. */
    private DashTrack dashTrack(Variant v, VariantPlaylist playlist) throws java.io.IOException {
        byte[] init = store.getBytes(v.prefix() + playlist.mapUri());
        byte[] head;
        try (var in = store.getRange(v.prefix() + playlist.segments().get(0).uri(), 0, FIRST_SEGMENT_HEAD_BYTES)) {
            head = in.readAllBytes();
        }
        return DashTrack.of(v, playlist, init, head);
    }

    private void warnAboutUnplannedLadder(ProbeResult probe, Map<String, Variant> byName) {
        if (probe.source() == null) {
            return;
        }
        List<String> planned = new ArrayList<>(ladder.rungsFor(probe.source()).stream().map(r -> r.name()).toList());
        if (probe.source().hasAudio()) {
            planned.add(Variant.AUDIO);
        }
        if (!byName.keySet().containsAll(planned) || !planned.containsAll(byName.keySet())) {
            LOG.warning(() -> "publishing variants " + byName.keySet() + " where the ladder plans " + planned);
        }
    }

    /** {@code videos/{id}/g{gen}/} of an attempt prefix {@code videos/{id}/g{gen}/{kind}/a{n}-v{m}/}. */
    static String generationRoot(String outputPrefix) {
        String[] parts = outputPrefix.split("/");
        if (parts.length < 3) {
            throw new IllegalArgumentException("unexpected output prefix " + outputPrefix);
        }
        return parts[0] + "/" + parts[1] + "/" + parts[2] + "/";
    }
}
