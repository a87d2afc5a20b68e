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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns an upload stream into a video, idempotently: stream to a fresh raw object (multipart, hashing on
 * the way), then one conditional insert of the video and its first job. The database's primary key
 * decides which of many concurrent uploads of the same bytes, on any number of upload nodes, creates the
 * video; its object becomes the video's raw object as it is, without a copy. Every other upload is a
 * duplicate and removes its own object, as does an upload of bytes already stored for another profile
 * (that video's object is reused). A failed or cut-off stream leaves no row and no object.
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
        String uploadKey = ContentId.newRawKey();
        try {
            store.putStream(uploadKey, counted, "application/octet-stream", platform.settings().uploadPartBytes());
        } catch (RuntimeException e) {
            safeDelete(uploadKey);
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
        return commit(uploadKey, counted, meta, started);
    }

    /** Records the video unless it exists; removes the upload's object whenever no video refers to it. */
    private Result commit(String uploadKey, LimitedDigestStream counted, Meta meta, long started) {
        String sha = counted.sha256Hex();
        String videoId = ContentId.videoId(sha, platform.ladder().profileId());
        Optional<Video> existing;
        Optional<String> stored;
        try {
            existing = platform.videos().find(videoId);
            stored = existing.isPresent() ? Optional.empty() : platform.videos().rawKeyOf(sha);
        } catch (RuntimeException e) {
            safeDelete(uploadKey);
            throw e;
        }
        if (existing.isPresent()) {
            safeDelete(uploadKey);
            return duplicate(existing.get());
        }
        boolean ownObject = stored.isEmpty();
        if (!ownObject) {
            safeDelete(uploadKey); // the same bytes under another profile: keep one copy
        }
        String rawKey = stored.orElse(uploadKey);
        long now = platform.clock().millis();
        Video v = new Video(videoId, sha, platform.ladder().profileId(), VideoStatus.UPLOADED,
                clip(meta.title(), 512), clip(meta.filename(), 512), clip(meta.contentType(), 255),
                counted.count(), rawKey, 1, null, null, null, null, now, now);
        boolean inserted;
        try {
            inserted = platform.videos().insertNew(v);
        } catch (RuntimeException e) {
            // The insert may have committed before the failure reached us: the object may be the video's
            // raw object now, so it stays (at worst an unreferenced object, never a video without bytes).
            if (ownObject) {
                events.event("UPLOAD_OBJECT_KEPT").with("video_id", videoId).with("object_key", uploadKey)
                        .with("message", "the insert failed with an unknown outcome; the object is garbage"
                                + " unless videos.raw_key refers to it: " + e.getMessage()).emit();
            }
            throw e;
        }
        if (!inserted) {
            if (ownObject) {
                safeDelete(uploadKey);
            }
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
            // A leftover upload object is garbage, never visible as a video; log for the operator.
            LOG.log(Level.WARNING, "could not remove upload object " + key + ": " + e.getMessage());
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
