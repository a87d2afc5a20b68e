package io.vidforge.upload;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.db.ObjectSweptException;
import io.vidforge.events.Events;
import io.vidforge.http.ApiException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.VideoRestart;
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
 * (that video's object is reused). A failed or cut-off stream leaves no row and no object. The same bytes
 * as a deleted video bring it back as a new generation on this upload's own object, and a duplicate of a
 * live video whose raw object is missing repairs it the same way ({@link VideoRestart}); an object the
 * storage clean-up is deleting is never referred to (docs/design.md, "Deleting videos and collecting
 * storage").
 */
public final class UploadIngest {
    private static final Logger LOG = Logger.getLogger(UploadIngest.class.getName());

    private static final int RACE_TRIES = 10;

    private final Platform platform;
    private final ObjectStore store;
    private final Events events;
    private final VideoRestart restarts;

    public UploadIngest(Platform platform) {
        this.platform = platform;
        this.store = platform.store();
        this.events = platform.events(Role.UPLOAD);
        this.restarts = new VideoRestart(platform.sql(), platform.videos(), platform.clock());
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

    /**
     * Records the video unless it is live already; removes the upload's object whenever no video refers to
     * it. A deleted video comes back (a new generation on this upload's object), and so does a live one
     * whose raw object is missing from the bucket. Every decision is a conditional write that the database
     * orders against concurrent uploads, deletes and the storage clean-up; a lost race reads again.
     */
    private Result commit(String uploadKey, LimitedDigestStream counted, Meta meta, long started) {
        String sha = counted.sha256Hex();
        String videoId = ContentId.videoId(sha, platform.ladder().profileId());
        long now = platform.clock().millis();
        Video fresh = new Video(videoId, sha, platform.ladder().profileId(), VideoStatus.UPLOADED,
                clip(meta.title(), 512), clip(meta.filename(), 512), clip(meta.contentType(), 255),
                counted.count(), uploadKey, 1, null, null, null, null, now, now);
        try {
            for (int i = 0; i < RACE_TRIES; i++) {
                Optional<Video> existing = platform.videos().find(videoId);
                Optional<Result> r;
                if (existing.isEmpty()) {
                    r = insert(fresh, sha, counted, started);
                } else if (existing.get().status() == VideoStatus.DELETED) {
                    r = restart(existing.get(), fresh, "re-upload", counted, started);
                } else if (!store.exists(existing.get().rawKey())) {
                    events.event("RAW_OBJECT_MISSING").with("video_id", videoId)
                            .with("raw_key", existing.get().rawKey()).with("status", existing.get().status().id()).emit();
                    r = restart(existing.get(), fresh, "repair", counted, started);
                } else {
                    safeDelete(uploadKey);
                    return duplicate(existing.get());
                }
                if (r.isPresent()) {
                    return r.get();
                }
            }
        } catch (ObjectSweptException e) {
            safeDelete(uploadKey);
            throw new ApiException(503, "UPLOAD_EXPIRED", "The upload's stored bytes were collected before they"
                    + " could be recorded (the node stalled for longer than GC_GRACE_SECONDS); upload again.");
        } catch (RuntimeException e) {
            // The write may have committed before the failure reached us: the object may be the video's
            // raw object now, so it stays (at worst an unreferenced object, which the clean-up removes).
            events.event("UPLOAD_OBJECT_KEPT").with("video_id", videoId).with("object_key", uploadKey)
                    .with("message", "the database write failed with an unknown outcome; the object is garbage"
                            + " unless videos.raw_key refers to it: " + e.getMessage()).emit();
            throw e;
        }
        throw new IllegalStateException("video " + videoId + " kept changing under " + RACE_TRIES + " uploads");
    }

    /** A new video; empty when another upload inserted it first (the caller reads it again). */
    private Optional<Result> insert(Video fresh, String sha, LimitedDigestStream counted, long started) {
        // The same bytes under another profile: refer to that object and keep one copy, unless the clean-up
        // is removing it at this very moment (then this upload's own object serves).
        Optional<String> stored = platform.videos().rawKeyOf(sha);
        if (stored.isPresent()) {
            try {
                if (platform.videos().insertNew(withRaw(fresh, stored.get()))) {
                    safeDelete(fresh.rawKey());
                    return Optional.of(created(fresh, 1, counted, started, null));
                }
                return Optional.empty();
            } catch (ObjectSweptException e) {
                LOG.info("raw object " + stored.get() + " is being collected; keeping the upload's own object");
            }
        }
        if (platform.videos().insertNew(fresh)) {
            return Optional.of(created(fresh, 1, counted, started, null));
        }
        return Optional.empty();
    }

    private Optional<Result> restart(Video seen, Video fresh, String reason, LimitedDigestStream counted,
                                     long started) {
        if (!restarts.restart(seen, fresh, reason)) {
            return Optional.empty();
        }
        return Optional.of(created(fresh, seen.generation() + 1, counted, started, seen));
    }

    private Result created(Video fresh, int generation, LimitedDigestStream counted, long started, Video before) {
        String videoId = fresh.videoId();
        Video created = platform.videos().find(videoId).orElseThrow();
        events.event("UPLOAD_RECEIVED").with("video_id", videoId).with("size_bytes", counted.count())
                .with("content_sha256", fresh.contentSha256()).with("original_filename", fresh.originalFilename())
                .with("duration_ms", (System.nanoTime() - started) / 1_000_000)
                .with("restarted_from", before == null ? null : before.status().id()).emit();
        events.event("STATE_CHANGE").with("video_id", videoId)
                .withNullable("from", before == null ? null : before.status().id()).with("to", "uploaded")
                .with("generation", generation).with("reason", before == null ? null
                        : before.status() == VideoStatus.DELETED ? "re-upload" : "repair").emit();
        return new Result(created, false);
    }

    private static Video withRaw(Video v, String rawKey) {
        return new Video(v.videoId(), v.contentSha256(), v.profile(), v.status(), v.title(), v.originalFilename(),
                v.contentType(), v.sizeBytes(), rawKey, v.generation(), v.source(), v.variants(), v.errorCode(),
                v.errorMessage(), v.createdAt(), v.updatedAt());
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
