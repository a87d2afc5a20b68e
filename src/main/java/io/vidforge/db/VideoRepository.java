package io.vidforge.db;

import com.fasterxml.jackson.core.type.TypeReference;
import io.vidforge.json.Json;
import io.vidforge.model.HistoryEntry;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Videos and their history; a new generation's processing job is inserted, in the same transaction,
 * through the jobs table's owner ({@link NewJobs}). Every status change is conditional on the status
 * (and generation) it leaves, changes at most one row and records a history entry in the same
 * transaction, so concurrent nodes can never apply one transition twice. The same transaction writes the
 * change's webhook event ({@link WebhookOutbox}).
 */
public final class VideoRepository {
    private static final String INSERT_COLUMNS = "video_id, content_sha256, profile, status, title, original_filename,"
            + " content_type, size_bytes, raw_key, generation, source_json, variants_json, error_code,"
            + " error_message, created_at, updated_at";
    private static final String COLUMNS = INSERT_COLUMNS + ", playable_at";
    private static final TypeReference<List<Variant>> VARIANTS = new TypeReference<>() { };

    /**
     * Inserts a generation's PENDING processing job inside the transaction that moves its video to
     * {@code uploaded} (the jobs table's owner, tasks.JobRepository, implements it).
     */
    public interface NewJobs {
        void insertPending(Connection c, String videoId, int generation, String reason, long now) throws SQLException;
    }

    private final Sql sql;
    private final Clock clock;
    private final NewJobs jobs;

    public VideoRepository(Sql sql, Clock clock, NewJobs jobs) {
        this.sql = sql;
        this.clock = clock;
        this.jobs = jobs;
    }

    public Sql sql() {
        return sql;
    }

    public Optional<Video> find(String videoId) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM videos WHERE video_id = ?", VideoRepository::map, videoId);
    }

    public Optional<Video> find(Connection c, String videoId) throws SQLException {
        return Sql.queryOne(c, "SELECT " + COLUMNS + " FROM videos WHERE video_id = ?", VideoRepository::map, videoId);
    }

    /** The raw object key of any video with these bytes (under any profile), to store them only once. */
    public Optional<String> rawKeyOf(String contentSha256) {
        return sql.queryOne("SELECT raw_key FROM videos WHERE content_sha256 = ? AND status <> ?"
                + " ORDER BY created_at, video_id FETCH FIRST 1 ROWS ONLY", rs -> rs.getString(1), contentSha256,
                VideoStatus.DELETED.id());
    }

    /** Whether the database has any video at all (the deployment-id check at node start). */
    public boolean any() {
        return sql.queryOne("SELECT 1 FROM videos FETCH FIRST 1 ROWS ONLY", rs -> 1).isPresent();
    }

    /** Whether a live (not deleted) video refers to {@code rawKey}: the storage clean-up's question. */
    public static boolean rawKeyReferenced(Connection c, String rawKey) throws SQLException {
        return Sql.queryOne(c, "SELECT 1 FROM videos WHERE raw_key = ? AND status <> ? FETCH FIRST 1 ROWS ONLY",
                rs -> 1, rawKey, VideoStatus.DELETED.id()).isPresent();
    }

    /**
     * What every video row (tombstones included) refers to in the bucket, page by page in id order, for
     * the storage clean-up and fsck.
     */
    public void forEachRefs(java.util.function.Consumer<VideoRefs> each) {
        String after = "";
        while (true) {
            List<VideoRefs> page = sql.query("SELECT video_id, status, generation, raw_key, variants_json,"
                    + " published_prefix, poster_key, updated_at FROM videos WHERE video_id > ? ORDER BY video_id"
                    + " LIMIT 500", VideoRepository::mapRefs, after);
            page.forEach(each);
            if (page.size() < 500) {
                return;
            }
            after = page.get(page.size() - 1).videoId();
        }
    }

    public Optional<VideoRefs> refs(Connection c, String videoId) throws SQLException {
        return Sql.queryOne(c, "SELECT video_id, status, generation, raw_key, variants_json, published_prefix,"
                + " poster_key, updated_at FROM videos WHERE video_id = ?", VideoRepository::mapRefs, videoId);
    }

    public Optional<VideoRefs> refs(String videoId) {
        return sql.queryOne("SELECT video_id, status, generation, raw_key, variants_json, published_prefix,"
                + " poster_key, updated_at FROM videos WHERE video_id = ?", VideoRepository::mapRefs, videoId);
    }

    /**
     * Newest first. {@code afterId} is the last id of the previous page (keyset paging, stable while
     * videos are added); {@code status} may be null for all.
     */
    public List<Video> list(VideoStatus status, int limit, String afterId) {
        StringBuilder q = new StringBuilder("SELECT " + COLUMNS + " FROM videos v WHERE 1=1");
        List<Object> args = new java.util.ArrayList<>();
        if (status != null) {
            q.append(" AND status = ?");
            args.add(status.id());
        } else {
            q.append(" AND status <> ?"); // deleted videos leave the listing (asked for by name they still show)
            args.add(VideoStatus.DELETED.id());
        }
        if (afterId != null) {
            q.append(" AND (created_at < (SELECT created_at FROM videos WHERE video_id = ?)"
                    + " OR (created_at = (SELECT created_at FROM videos WHERE video_id = ?) AND video_id < ?))");
            args.add(afterId);
            args.add(afterId);
            args.add(afterId);
        }
        q.append(" ORDER BY created_at DESC, video_id DESC LIMIT ?");
        args.add(limit);
        return sql.query(q.toString(), VideoRepository::map, args.toArray());
    }

    /**
     * Videos deleted (tombstones whose row changed) since {@code sinceMillis}: segment nodes poll this to
     * stop serving them and drop their cached bytes.
     */
    public List<String> deletedSince(long sinceMillis) {
        return sql.query("SELECT video_id FROM videos WHERE status = ? AND updated_at >= ?", rs -> rs.getString(1),
                VideoStatus.DELETED.id(), sinceMillis);
    }

    /** The poster image's S3 key of a published video. */
    public Optional<String> posterKey(String videoId) {
        return sql.queryOne("SELECT poster_key FROM videos WHERE video_id = ? AND poster_key IS NOT NULL",
                rs -> rs.getString(1), videoId);
    }

    /** Where a published video's master playlist and DASH manifest are stored (ending in '/'). */
    public Optional<String> publishedPrefix(String videoId) {
        return sql.queryOne("SELECT published_prefix FROM videos WHERE video_id = ? AND published_prefix IS NOT NULL",
                rs -> rs.getString(1), videoId);
    }

    public List<HistoryEntry> history(String videoId) {
        return sql.query("SELECT status, at, detail FROM video_history WHERE video_id = ? ORDER BY id",
                rs -> new HistoryEntry(VideoStatus.parse(rs.getString(1)), rs.getLong(2), rs.getString(3)), videoId);
    }

    /**
     * Inserts a new video in {@code uploaded} with its first processing job, in one transaction. Returns
     * false, changing nothing, when the video already exists (another upload of the same content won).
     */
    public boolean insertNew(Video v) {
        long now = clock.millis();
        try {
            return sql.inTransaction(c -> {
                claimRaw(c, v.rawKey());
                Sql.update(c, "INSERT INTO videos (" + INSERT_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        v.videoId(), v.contentSha256(), v.profile(), VideoStatus.UPLOADED.id(), v.title(),
                        v.originalFilename(), v.contentType(), v.sizeBytes(), v.rawKey(), 1, null, null, null,
                        null, now, now);
                recordChange(c, v.videoId(), VideoStatus.UPLOADED, 1, now, "upload", null);
                jobs.insertPending(c, v.videoId(), 1, "upload", now);
                return true;
            });
        } catch (DataAccessException e) {
            if (e.isUniqueViolation()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Brings a video back with new raw bytes as a new generation in {@code uploaded}, with its job: a
     * deleted video uploaded again, or a live one whose raw object is missing (repaired by a duplicate
     * upload). Conditional on the generation and status the caller saw, so of concurrent uploads exactly
     * one restarts it; the outputs of earlier generations become garbage for the clean-up. The caller has
     * ended the old generation's tasks in the same transaction. False when the row had moved on.
     */
    public boolean restart(Connection c, Video seen, Video fresh, String reason) throws SQLException {
        long now = clock.millis();
        claimRaw(c, fresh.rawKey());
        int gen = seen.generation() + 1;
        int n = Sql.update(c, "UPDATE videos SET status = ?, generation = ?, raw_key = ?, size_bytes = ?, title = ?,"
                        + " original_filename = ?, content_type = ?, source_json = NULL, variants_json = NULL,"
                        + " published_prefix = NULL, playable_at = NULL, poster_key = NULL, error_code = NULL, error_message = NULL,"
                        + " updated_at = ? WHERE video_id = ? AND generation = ? AND status = ?",
                VideoStatus.UPLOADED.id(), gen, fresh.rawKey(), fresh.sizeBytes(), fresh.title(),
                fresh.originalFilename(), fresh.contentType(), now, seen.videoId(), seen.generation(), seen.status().id());
        if (n != 1) {
            return false;
        }
        recordChange(c, seen.videoId(), VideoStatus.UPLOADED, gen, now, reason, null);
        jobs.insertPending(c, seen.videoId(), gen, reason, now);
        return true;
    }

    /**
     * THE delete: {@code from} → {@code deleted} for {@code generation}, with its history entry, in the
     * caller's transaction (which has ended the generation's tasks). Every deletion goes through here, so
     * whatever must happen atomically with it (an outbox row, say) belongs here. The tombstone forgets the
     * published ladder: its objects are garbage from now on. True when this call deleted the video.
     */
    public boolean markDeleted(Connection c, String videoId, int generation, VideoStatus from, String detail)
            throws SQLException {
        long now = clock.millis();
        int n = Sql.update(c, "UPDATE videos SET status = ?, variants_json = NULL, published_prefix = NULL,"
                        + " poster_key = NULL, updated_at = ? WHERE video_id = ? AND generation = ? AND status = ?",
                VideoStatus.DELETED.id(), now, videoId, generation, from.id());
        if (n == 1) {
            recordChange(c, videoId, VideoStatus.DELETED, generation, now, detail, null);
        }
        return n == 1;
    }

    /** Refuses a raw object the clean-up is deleting right now (see {@link ObjectMarks#claimForReference}). */
    private static void claimRaw(Connection c, String rawKey) throws SQLException {
        if (!ObjectMarks.claimForReference(c, rawKey)) {
            throw new ObjectSweptException(rawKey);
        }
    }

    /**
     * Moves the video from {@code from} to {@code to} for {@code generation}; true when this call made
     * the change (exactly one row), false when it was already elsewhere.
     */
    public boolean transition(Connection c, String videoId, int generation, VideoStatus from, VideoStatus to,
                              String detail) throws SQLException {
        long now = clock.millis();
        int n = Sql.update(c, "UPDATE videos SET status = ?, updated_at = ? WHERE video_id = ? AND generation = ?"
                + " AND status = ?", to.id(), now, videoId, generation, from.id());
        if (n == 1) {
            recordChange(c, videoId, to, generation, now, detail, null);
        }
        return n == 1;
    }

    /** Records the probe's findings for the current generation. */
    public boolean setSource(Connection c, String videoId, int generation, SourceInfo source) throws SQLException {
        return Sql.update(c, "UPDATE videos SET source_json = ?, updated_at = ? WHERE video_id = ? AND generation = ?",
                Json.write(source), clock.millis(), videoId, generation) == 1;
    }

    /**
     * The fenced publish: sets the ladder and {@code ready} only if the video is still {@code processing}
     * in {@code generation}. True exactly once per generation.
     */
    public boolean publish(Connection c, String videoId, int generation, List<Variant> variants, String prefix,
                           String posterKey) throws SQLException {
        long now = clock.millis();
        int n = Sql.update(c, "UPDATE videos SET status = ?, variants_json = ?, published_prefix = ?, poster_key = ?,"
                        + " error_code = NULL, error_message = NULL, playable_at = COALESCE(playable_at, ?), updated_at = ?"
                        + " WHERE video_id = ? AND generation = ? AND status = ?",
                VideoStatus.READY.id(), Json.write(variants), prefix, posterKey, now, now, videoId, generation,
                VideoStatus.PROCESSING.id());
        if (n == 1) {
            recordChange(c, videoId, VideoStatus.READY, generation, now, "published",
                    Map.of("playback_url", "/play/" + videoId + "/master.m3u8"));
        }
        return n == 1;
    }

    /**
     * Marks {@code generation} playable now, once: only while it is {@code processing} and not yet playable.
     * Returns the delay since the generation was uploaded (or queued again), in milliseconds, when this call
     * set it; empty when it was already playable, or the generation has moved on.
     */
    public Optional<Long> markPlayable(Connection c, String videoId, int generation) throws SQLException {
        long now = clock.millis();
        int n = Sql.update(c, "UPDATE videos SET playable_at = ? WHERE video_id = ? AND generation = ?"
                + " AND status = ? AND playable_at IS NULL", now, videoId, generation, VideoStatus.PROCESSING.id());
        if (n != 1) {
            return Optional.empty();
        }
        return Optional.of(now - uploadedAt(c, videoId).orElse(now));
    }

    /** When the current generation was uploaded or queued again: its latest {@code uploaded} history entry. */
    public Optional<Long> uploadedAt(Connection c, String videoId) throws SQLException {
        return Sql.queryOne(c, "SELECT MAX(at) FROM video_history WHERE video_id = ? AND status = ?",
                rs -> rs.getLong(1), videoId, VideoStatus.UPLOADED.id()).filter(at -> at > 0);
    }

    /** Marks the generation failed with a reason, from {@code uploaded} or {@code processing}. */
    public boolean fail(Connection c, String videoId, int generation, String code, String message)
            throws SQLException {
        long now = clock.millis();
        int n = Sql.update(c, "UPDATE videos SET status = ?, error_code = ?, error_message = ?, updated_at = ?"
                        + " WHERE video_id = ? AND generation = ? AND status IN (?, ?)",
                VideoStatus.FAILED.id(), code, truncate(message, 4000), now, videoId, generation,
                VideoStatus.UPLOADED.id(), VideoStatus.PROCESSING.id());
        if (n == 1) {
            Map<String, Object> error = new java.util.LinkedHashMap<>();
            error.put("code", code);
            error.put("message", truncate(message, 1000));
            recordChange(c, videoId, VideoStatus.FAILED, generation, now, code, Map.of("error", error));
        }
        return n == 1;
    }

    /**
     * Starts a new processing generation for a {@code failed} (or, forced, {@code ready}) video: back to
     * {@code uploaded} with a new job. Returns the new generation, or empty when the video was not in
     * one of {@code allowed} (for example already being processed).
     */
    public Optional<Integer> requeue(String videoId, List<VideoStatus> allowed, String reason) {
        long now = clock.millis();
        return sql.inTransaction(c -> {
            Optional<Video> v = find(c, videoId);
            if (v.isEmpty() || !allowed.contains(v.get().status())) {
                return Optional.empty();
            }
            int gen = v.get().generation() + 1;
            int n = Sql.update(c, "UPDATE videos SET status = ?, generation = ?, error_code = NULL,"
                            + " error_message = NULL, playable_at = NULL, updated_at = ? WHERE video_id = ? AND generation = ?"
                            + " AND status = ?", VideoStatus.UPLOADED.id(), gen, now, videoId,
                    v.get().generation(), v.get().status().id());
            if (n != 1) {
                return Optional.empty();
            }
            recordChange(c, videoId, VideoStatus.UPLOADED, gen, now, reason, null);
            jobs.insertPending(c, videoId, gen, reason, now);
            return Optional.of(gen);
        });
    }

    /** Videos by status id (lower case), every status included, for the queue gauges. */
    public java.util.Map<String, Long> countByStatus() {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        for (VideoStatus s : VideoStatus.values()) {
            m.put(s.id(), 0L);
        }
        for (var row : sql.query("SELECT status, COUNT(*) FROM videos GROUP BY status",
                rs -> java.util.Map.entry(rs.getString(1), rs.getLong(2)))) {
            m.put(row.getKey().toLowerCase(java.util.Locale.ROOT), row.getValue());
        }
        return m;
    }

    /**
     * What every status change writes besides the status itself, in its transaction: the history entry
     * and the webhook event (the outbox). Called only after the UPDATE changed exactly one row, so there
     * is no change without its event and no event without its change.
     */
    private static void recordChange(Connection c, String videoId, VideoStatus status, int generation, long at,
                                     String detail, Map<String, Object> data) throws SQLException {
        Sql.update(c, "INSERT INTO video_history (video_id, status, at, detail) VALUES (?, ?, ?, ?)",
                videoId, status.id(), at, detail);
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("reason", detail);
        if (data != null) {
            d.putAll(data);
        }
        WebhookOutbox.record(c, videoId, status, generation, at, d);
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static VideoRefs mapRefs(ResultSet rs) throws SQLException {
        String variants = rs.getString("variants_json");
        try {
            return new VideoRefs(rs.getString("video_id"), VideoStatus.parse(rs.getString("status")),
                    rs.getInt("generation"), rs.getString("raw_key"),
                    variants == null ? List.of() : Json.MAPPER.readValue(variants, VARIANTS),
                    rs.getString("published_prefix"), rs.getString("poster_key"), rs.getLong("updated_at"));
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable JSON column for video " + rs.getString("video_id"), e);
        }
    }

    private static Video map(ResultSet rs) throws SQLException {
        String source = rs.getString("source_json");
        String variants = rs.getString("variants_json");
        try {
            return new Video(
                    rs.getString("video_id"), rs.getString("content_sha256"), rs.getString("profile"),
                    VideoStatus.parse(rs.getString("status")), rs.getString("title"),
                    rs.getString("original_filename"), rs.getString("content_type"), rs.getLong("size_bytes"),
                    rs.getString("raw_key"), rs.getInt("generation"),
                    source == null ? null : Json.MAPPER.readValue(source, SourceInfo.class),
                    variants == null ? List.of() : Json.MAPPER.readValue(variants, VARIANTS),
                    rs.getString("error_code"), rs.getString("error_message"),
                    rs.getLong("created_at"), rs.getLong("updated_at"),
                    rs.getObject("playable_at") == null ? null : rs.getLong("playable_at"));
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable JSON column for video " + rs.getString("video_id"), e);
        }
    }
}
