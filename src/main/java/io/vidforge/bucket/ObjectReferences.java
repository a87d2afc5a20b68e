package io.vidforge.bucket;

import io.vidforge.db.Sql;
import io.vidforge.db.VideoRefs;
import io.vidforge.db.VideoRepository;
import io.vidforge.media.Storyboard;
import io.vidforge.model.Variant;
import io.vidforge.model.VideoStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the database refers to in the bucket, read once per clean-up pass or fsck run, and the verdict on
 * any key: referenced (and why) or an orphan (and why). A verdict from this snapshot only ever leads to a
 * mark; the object goes only after {@link #classifyNow} agrees in the sweep's transaction.
 *
 * <p>Keys: {@code raw/…} upload objects, referenced by a live video's {@code raw_key};
 * {@code videos/{id}/g{n}/…} outputs, referenced while generation n is being processed and, once
 * published, under the published master folder, a variant's folder or as the poster (and the storyboard
 * beside it; a published chunked generation's chunk outputs are then {@link Reason#STITCHED_CHUNK}); {@code tus/…}
 * resumable-upload chunks, referenced by a {@code tus_chunks} row. Anything else is not ours
 * ({@link Reason#FOREIGN}) and never collected.
 */
public final class ObjectReferences {
    /** Why a key is referenced or not. */
    public enum Reason {
        RAW(true), PUBLISHED(true), IN_PROGRESS(true), TUS_CHUNK(true), DEPLOYMENT_ID(true), FOREIGN(true),
        DELETED_VIDEO(false), LOSING_ATTEMPT(false), STITCHED_CHUNK(false), OLD_GENERATION(false), UNKNOWN_VIDEO(false),
        UNREFERENCED_RAW(false), UNCOMMITTED_UPLOAD(false), ABANDONED_TUS_CHUNK(false);

        private final boolean referenced;

        Reason(boolean referenced) {
            this.referenced = referenced;
        }

        public boolean referenced() {
            return referenced;
        }

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String RAW_PREFIX = "raw/";
    public static final String VIDEOS_PREFIX = "videos/";
    public static final String TUS_PREFIX = "tus/";

    private final Map<String, VideoRefs> videos;
    private final Set<String> liveRaw;
    private final Set<String> deletedRaw;
    private final Set<String> tusChunks;

    private ObjectReferences(Map<String, VideoRefs> videos, Set<String> liveRaw, Set<String> deletedRaw,
                             Set<String> tusChunks) {
        this.videos = videos;
        this.liveRaw = liveRaw;
        this.deletedRaw = deletedRaw;
        this.tusChunks = tusChunks;
    }

    public static ObjectReferences load(VideoRepository videoRepo, Sql sql) {
        Map<String, VideoRefs> videos = new HashMap<>();
        Set<String> live = new HashSet<>();
        Set<String> deleted = new HashSet<>();
        videoRepo.forEachRefs(v -> {
            videos.put(v.videoId(), v);
            (v.status().live() ? live : deleted).add(v.rawKey());
        });
        deleted.removeAll(live);
        Set<String> chunks = new HashSet<>(sql.query(TUS_CHUNK_KEYS, rs -> rs.getString(1)));
        return new ObjectReferences(videos, live, deleted, chunks);
    }

    private static final String TUS_CHUNK_KEYS = "SELECT object_key FROM tus_chunks";

    public Map<String, VideoRefs> videos() {
        return videos;
    }

    public Reason classify(String key) {
        if (key.startsWith(RAW_PREFIX)) {
            return liveRaw.contains(key) ? Reason.RAW
                    : deletedRaw.contains(key) ? Reason.DELETED_VIDEO : Reason.UNCOMMITTED_UPLOAD;
        }
        if (key.startsWith(TUS_PREFIX)) {
            return tusChunks.contains(key) ? Reason.TUS_CHUNK : Reason.ABANDONED_TUS_CHUNK;
        }
        if (key.startsWith(VIDEOS_PREFIX)) {
            return classifyOutput(key, videoIdOf(key).map(videos::get).orElse(null));
        }
        return key.equals(DeploymentId.OBJECT_KEY) ? Reason.DEPLOYMENT_ID : Reason.FOREIGN;
    }

    /**
     * The same verdict from the database as it is now, inside the sweep's transaction, for one key: the
     * last look before the object goes.
     */
    public static Reason classifyNow(Connection c, VideoRepository videoRepo, String key) throws SQLException {
        if (key.startsWith(RAW_PREFIX)) {
            return VideoRepository.rawKeyReferenced(c, key) ? Reason.RAW : Reason.UNREFERENCED_RAW;
        }
        if (key.startsWith(TUS_PREFIX)) {
            return Sql.queryOne(c, TUS_CHUNK_KEYS + " WHERE object_key = ?", rs -> 1, key).isPresent()
                    ? Reason.TUS_CHUNK : Reason.ABANDONED_TUS_CHUNK;
        }
        if (key.startsWith(VIDEOS_PREFIX)) {
            Optional<String> id = videoIdOf(key);
            return classifyOutput(key, id.isEmpty() ? null : videoRepo.refs(c, id.get()).orElse(null));
        }
        return Reason.FOREIGN;
    }

    private static Reason classifyOutput(String key, VideoRefs v) {
        if (v == null) {
            return Reason.UNKNOWN_VIDEO;
        }
        if (v.status() == VideoStatus.DELETED) {
            return Reason.DELETED_VIDEO;
        }
        if (v.publishedPrefix() != null && key.startsWith(v.publishedPrefix()) || isPosterOrStoryboard(key, v)) {
            return Reason.PUBLISHED;
        }
        for (Variant variant : v.variants()) {
            if (variant.prefix() != null && key.startsWith(variant.prefix())) {
                return Reason.PUBLISHED;
            }
        }
        int generation = generationOf(key);
        if (generation >= v.generation() && v.processing() || generation > v.generation()) {
            return Reason.IN_PROGRESS;
        }
        if (generation < v.generation()) {
            return Reason.OLD_GENERATION;
        }
        // The chunked plan's publish copies every chunk's segments under its own prefix, so once the
        // generation is published its chunk outputs (and any losing chunk attempt's) are no longer read.
        return v.publishedPrefix() != null && stepOf(key).startsWith(CHUNK_STEP) ? Reason.STITCHED_CHUNK
                : Reason.LOSING_ATTEMPT;
    }

    /** The step folder of a VIDEO_CHUNK attempt: {@code video_chunk-{range}} (TaskRun names it by kind). */
    private static final String CHUNK_STEP = "video_chunk";

    /** {@code videos/{id}/g{n}/{step}/…} → step, or "" when the key has none. */
    private static String stepOf(String key) {
        String[] parts = key.split("/", 5);
        return parts.length == 5 ? parts[3] : "";
    }

    /** The poster, and the storyboard the probe wrote beside it, are published by the poster key. */
    private static boolean isPosterOrStoryboard(String key, VideoRefs v) {
        return v.posterKey() != null && (key.equals(v.posterKey())
                || key.equals(Storyboard.besidePoster(v.posterKey(), Storyboard.VTT))
                || key.equals(Storyboard.besidePoster(v.posterKey(), Storyboard.SPRITE)));
    }

    /** {@code videos/{id}/g{n}/…} → id. */
    private static Optional<String> videoIdOf(String key) {
        String[] parts = key.split("/", 4);
        return parts.length >= 3 ? Optional.of(parts[1]) : Optional.empty();
    }

    /** {@code videos/{id}/g{n}/…} → n, or 0 when the key has no generation folder. */
    private static int generationOf(String key) {
        String[] parts = key.split("/", 4);
        if (parts.length < 4 || !parts[2].startsWith("g")) {
            return 0;
        }
        try {
            return Integer.parseInt(parts[2].substring(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
