package io.vidforge.upload;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.events.Events;
import io.vidforge.http.ApiException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.storage.ObjectStore;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns an upload stream into a video, idempotently: stream to a staging object (multipart, hashing on
 * the way), then under the content-addressed raw key, then one conditional insert of the video and its
 * first job. The database's primary key decides which of many concurrent uploads of the same bytes, on
 * any number of upload nodes, creates the video; every other one is a duplicate. The staging object
 * is always removed; a failed or cut-off stream leaves no row and no committed object.
 */
public final class UploadIngest {
    private static final Logger LOG = Logger.getLogger(UploadIngest.class.getName());

    private final Platform platform;
    private final ObjectStore store;
    private final Events events;

    public UploadIngest(Platform platform) {
        this.platform = platform;
        this.store = platform.store();
        this.events = platform.events(Role.UPLOAD);
    }

    public record Result(Video video, boolean duplicate) {
    }

    /** What the client said about the upload. */
    public record Meta(String filename, String title, String contentType) {
    }

    public Result ingest(InputStream body, Meta meta) {
        long started = System.nanoTime();
        BufferedInputStream in = new BufferedInputStream(body, MediaSniffer.PEEK_BYTES * 2);
        byte[] head = MediaSniffer.peek(in);
        if (head.length == 0) {
            throw ApiException.badRequest("EMPTY_BODY", "The upload is empty: send the video as the request body"
                    + " or as the multipart part 'file'.");
        }
        MediaSniffer.refuseObviousNonMedia(head);

        long max = platform.settings().maxUploadBytes();
        LimitedDigestStream counted = new LimitedDigestStream(in, max);
        String stagingKey = "staging/" + UUID.randomUUID();
        try {
            store.putStream(stagingKey, counted, "application/octet-stream", platform.settings().uploadPartBytes());
        } catch (RuntimeException e) {
            safeDelete(stagingKey);
            String reason = causedBy(e, LimitedDigestStream.TooLargeException.class) ? "too_large"
                    : counted.sourceFailed() ? "client_stream_broken" : "storage_failed";
            events.event("UPLOAD_ABORTED").with("reason", reason).with("bytes_received", counted.count())
                    .with("original_filename", meta.filename()).with("message", e.getMessage()).emit();
            if (causedBy(e, LimitedDigestStream.TooLargeException.class)) {
                throw new ApiException(413, "PAYLOAD_TOO_LARGE",
                        "The upload exceeds the maximum of " + max + " bytes; use a smaller file.");
            }
            if (counted.sourceFailed()) {
                throw new ApiException(400, "UPLOAD_INTERRUPTED",
                        "The upload stream broke off after " + counted.count() + " bytes; nothing was stored.");
            }
            throw e;
        }
        try {
            return commit(stagingKey, counted, meta, started);
        } finally {
            safeDelete(stagingKey);
        }
    }

    private Result commit(String stagingKey, LimitedDigestStream counted, Meta meta, long started) {
        String sha = counted.sha256Hex();
        String videoId = ContentId.videoId(sha, platform.ladder().profileId());
        Optional<Video> existing = platform.videos().find(videoId);
        if (existing.isPresent()) {
            return duplicate(existing.get());
        }
        String rawKey = ContentId.rawKey(sha);
        // Identical bytes give an identical object, so concurrent copies to the same key are harmless.
        if (!store.exists(rawKey)) {
            store.copy(stagingKey, rawKey);
        }
        long now = platform.clock().millis();
        Video v = new Video(videoId, sha, platform.ladder().profileId(), VideoStatus.UPLOADED,
                clip(meta.title(), 512), clip(meta.filename(), 512), clip(meta.contentType(), 255),
                counted.count(), rawKey, 1, null, null, null, null, now, now);
        if (!platform.videos().insertNew(v)) {
            return duplicate(platform.videos().find(videoId).orElseThrow());
        }
        Video created = platform.videos().find(videoId).orElseThrow();
        events.event("UPLOAD_RECEIVED").with("video_id", videoId).with("size_bytes", counted.count())
                .with("content_sha256", sha).with("original_filename", meta.filename())
                .with("duration_ms", (System.nanoTime() - started) / 1_000_000).emit();
        events.event("STATE_CHANGE").with("video_id", videoId).withNullable("from", null).with("to", "uploaded")
                .with("generation", 1).emit();
        return new Result(created, false);
    }

    private Result duplicate(Video v) {
        events.event("UPLOAD_DUPLICATE").with("video_id", v.videoId()).with("status", v.status().id()).emit();
        return new Result(v, true);
    }

    private void safeDelete(String key) {
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            // A leftover staging object is garbage, never visible as a video; log for the operator.
            LOG.log(Level.WARNING, "could not remove staging object " + key + ": " + e.getMessage());
        }
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String clip(String s, int max) {
        if (s == null) {
            return null;
        }
        String t = s.replaceAll("\\p{Cntrl}", " ").strip();
        if (t.isEmpty()) {
            return null;
        }
        return t.length() <= max ? t : t.substring(0, max);
    }
}
