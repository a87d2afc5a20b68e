package io.vidforge.upload;

import io.vidforge.db.ObjectMarks;
import io.vidforge.db.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The tus_uploads and tus_chunks tables. Offsets only move forward, conditionally, one chunk at a time. */
final class TusRepository {
    private static final String COLUMNS = "upload_id, upload_length, upload_offset, state, filename, title, filetype,"
            + " metadata, video_id, created_at, expires_at";

    record Chunk(long offset, long length, String objectKey) {
    }

    private final Sql sql;
    private final Clock clock;

    TusRepository(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    void create(String id, long length, String filename, String title, String filetype, String metadata,
                Duration expiry) {
        long now = clock.millis();
        sql.update("INSERT INTO tus_uploads (" + COLUMNS + ", updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                id, length, 0L, TusUpload.State.RECEIVING.name(), filename, title, filetype, metadata, null, now,
                now + expiry.toMillis(), now);
    }

    /** The upload unless unknown, terminated or expired (an expired one is gone for the client too). */
    Optional<TusUpload> findLive(String id) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM tus_uploads WHERE upload_id = ? AND state <> ?"
                        + " AND (state = ? OR expires_at > ?)", TusRepository::map, id,
                TusUpload.State.TERMINATED.name(), TusUpload.State.COMPLETE.name(), clock.millis());
    }

    /**
     * Records a stored chunk and advances the offset, only if the upload is still receiving at
     * {@code fromOffset}. False means another request got there first: the caller discards its chunk.
     */
    boolean appendChunk(String id, long fromOffset, long length, String objectKey, Duration expiry) {
        long now = clock.millis();
        return sql.inTransaction(c -> {
            int n = Sql.update(c, "UPDATE tus_uploads SET upload_offset = ?, updated_at = ?, expires_at = ?"
                            + " WHERE upload_id = ? AND upload_offset = ? AND state = ?",
                    fromOffset + length, now, now + expiry.toMillis(), id, fromOffset, TusUpload.State.RECEIVING.name());
            if (n != 1 || !ObjectMarks.claimForReference(c, objectKey)) {
                c.rollback(); // the chunk is refused: another request took the offset, or the clean-up its object
                return false;
            }
            Sql.update(c, "INSERT INTO tus_chunks (upload_id, chunk_offset, chunk_length, object_key) VALUES (?,?,?,?)",
                    id, fromOffset, length, objectKey);
            return true;
        });
    }

    List<Chunk> chunks(String id) {
        return sql.query("SELECT chunk_offset, chunk_length, object_key FROM tus_chunks WHERE upload_id = ?"
                + " ORDER BY chunk_offset", rs -> new Chunk(rs.getLong(1), rs.getLong(2), rs.getString(3)), id);
    }

    /** Marks a fully received upload complete with its video; idempotent for the same video. */
    void complete(String id, String videoId) {
        sql.inTransaction(c -> {
            Sql.update(c, "UPDATE tus_uploads SET state = ?, video_id = ?, updated_at = ? WHERE upload_id = ?"
                    + " AND state = ?", TusUpload.State.COMPLETE.name(), videoId, clock.millis(), id,
                    TusUpload.State.RECEIVING.name());
            Sql.update(c, "DELETE FROM tus_chunks WHERE upload_id = ?", id);
            return null;
        });
    }

    /** Terminates an upload that is not complete; returns its chunks so their objects can be removed. */
    Optional<List<Chunk>> terminate(String id) {
        return sql.inTransaction(c -> {
            List<Chunk> chunks = Sql.query(c, "SELECT chunk_offset, chunk_length, object_key FROM tus_chunks"
                    + " WHERE upload_id = ?", rs -> new Chunk(rs.getLong(1), rs.getLong(2), rs.getString(3)), id);
            int n = Sql.update(c, "UPDATE tus_uploads SET state = ?, updated_at = ? WHERE upload_id = ? AND state = ?",
                    TusUpload.State.TERMINATED.name(), clock.millis(), id, TusUpload.State.RECEIVING.name());
            if (n != 1) {
                return Optional.<List<Chunk>>empty();
            }
            Sql.update(c, "DELETE FROM tus_chunks WHERE upload_id = ?", id);
            return Optional.of(chunks);
        });
    }

    /** Ids of receiving uploads whose expiry has passed. */
    List<String> expired(int limit) {
        return sql.query("SELECT upload_id FROM tus_uploads WHERE state = ? AND expires_at <= ? ORDER BY expires_at"
                + " LIMIT ?", rs -> rs.getString(1), TusUpload.State.RECEIVING.name(), clock.millis(), limit);
    }

    private static TusUpload map(ResultSet rs) throws SQLException {
        return new TusUpload(rs.getString("upload_id"), rs.getLong("upload_length"), rs.getLong("upload_offset"),
                TusUpload.State.valueOf(rs.getString("state")), rs.getString("filename"), rs.getString("title"),
                rs.getString("filetype"), rs.getString("metadata"), rs.getString("video_id"),
                rs.getLong("created_at"), rs.getLong("expires_at"));
    }
}
