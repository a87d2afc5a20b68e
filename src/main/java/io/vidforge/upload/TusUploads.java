package io.vidforge.upload;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.events.Events;
import io.vidforge.http.ApiException;
import io.vidforge.storage.ObjectStore;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The logic of resumable uploads: each PATCH is stored as its own chunk object, then the offset moves
 * forward conditionally; the upload that reaches its length is read back chunk by chunk through
 * {@link UploadIngest}, so a tus upload joins the normal path (content addressing, duplicates, one
 * processing). A node that dies mid-chunk loses only that chunk: the offset never counted it.
 */
final class TusUploads {
    private static final Logger LOG = Logger.getLogger(TusUploads.class.getName());

    private final TusRepository repo;
    private final ObjectStore store;
    private final UploadIngest ingest;
    private final Events events;
    private final long maxBytes;
    private final long partBytes;
    private final Duration expiry;

    TusUploads(Platform platform, UploadIngest ingest) {
        this.repo = new TusRepository(platform.sql(), platform.clock());
        this.store = platform.store();
        this.ingest = ingest;
        this.events = platform.events(Role.UPLOAD);
        this.maxBytes = platform.settings().maxUploadBytes();
        this.partBytes = platform.settings().uploadPartBytes();
        this.expiry = platform.settings().seconds("TUS_EXPIRY_SECONDS", 24 * 3600);
    }

    Duration expiry() {
        return expiry;
    }

    long maxBytes() {
        return maxBytes;
    }

    TusUpload create(long length, TusMetadata meta) {
        if (length > maxBytes) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE",
                    "Upload-Length " + length + " exceeds the maximum of " + maxBytes + " bytes.");
        }
        String id = UUID.randomUUID().toString().replace("-", "");
        repo.create(id, length, meta.get("filename"), meta.get("title"), meta.get("filetype"), meta.raw(), expiry);
        events.event("TUS_UPLOAD_CREATED").with("upload_id", id).with("upload_length", length)
                .with("original_filename", meta.get("filename")).emit();
        return repo.findLive(id).orElseThrow();
    }

    TusUpload find(String id) {
        return repo.findLive(id).orElseThrow(() -> ApiException.notFound(
                "No upload " + id + " (unknown, terminated or expired): create a new one with POST /uploads."));
    }

    /** A checksum the client sent for one PATCH body: algorithm and expected digest. */
    record Checksum(String algorithm, byte[] expected) {
        static Checksum parse(String header) {
            String[] parts = header.trim().split("\\s+");
            if (parts.length != 2) {
                throw ApiException.badRequest("BAD_CHECKSUM_HEADER", "Upload-Checksum must be '<algorithm> <base64>'.");
            }
            String alg = switch (parts[0].toLowerCase(java.util.Locale.ROOT)) {
                case "sha1" -> "SHA-1";
                case "sha256" -> "SHA-256";
                case "md5" -> "MD5";
                default -> throw ApiException.badRequest("UNSUPPORTED_CHECKSUM",
                        "Checksum algorithm '" + parts[0] + "' is not supported: use sha1, sha256 or md5.");
            };
            try {
                return new Checksum(alg, Base64.getDecoder().decode(parts[1]));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("BAD_CHECKSUM_HEADER", "The Upload-Checksum digest is not valid base64.");
            }
        }
    }

    /**
     * Appends the body at {@code offset}; returns the upload after the append, finalized into a video
     * when it reached its length.
     */
    TusUpload patch(String id, long offset, InputStream body, Checksum checksum) {
        TusUpload u = find(id);
        if (u.state() == TusUpload.State.COMPLETE || u.fullyReceived()) {
            if (offset != u.length()) {
                throw offsetConflict(u);
            }
            return finalizeUpload(u);
        }
        if (offset != u.offset()) {
            throw offsetConflict(u);
        }
        long remaining = u.length() - u.offset();
        // Integrity before content: the chunk is stored and its checksum verified before the sniffer
        // looks at it, so a damaged chunk is always 460, never a 415 judged from damaged bytes.
        long headNeeded = sniffLength(u);
        HeadCapture in = new HeadCapture(body, (int) Math.max(0, headNeeded - offset));
        LimitedDigestStream chunk = new LimitedDigestStream(in, remaining,
                checksum == null ? "SHA-256" : checksum.algorithm());
        String key = "tus/" + id + "/" + String.format("%020d", offset) + "-" + UUID.randomUUID();
        try {
            store.putStream(key, chunk, "application/octet-stream", partBytes);
        } catch (RuntimeException e) {
            safeDelete(key);
            if (UploadIngest.causedBy(e, LimitedDigestStream.TooLargeException.class)) {
                throw new ApiException(413, "CHUNK_EXCEEDS_LENGTH",
                        "The PATCH body goes past Upload-Length (" + u.length() + "); send at most " + remaining + " bytes.");
            }
            if (chunk.sourceFailed()) {
                events.event("TUS_CHUNK_LOST").with("upload_id", id).with("upload_offset", offset)
                        .with("bytes_received", chunk.count()).emit();
                throw new ApiException(400, "UPLOAD_INTERRUPTED",
                        "The PATCH body broke off; the upload stays at offset " + offset + ". Resume from there.");
            }
            throw e;
        }
        if (checksum != null && !MessageDigest.isEqual(checksum.expected(), chunk.digest())) {
            safeDelete(key);
            throw new ApiException(460, "CHECKSUM_MISMATCH",
                    "The chunk's checksum does not match Upload-Checksum; the upload stays at offset " + offset + ".");
        }
        if (chunk.count() == 0) {
            safeDelete(key);
            return find(id);
        }
        if (offset < headNeeded && offset + chunk.count() >= headNeeded) {
            refuseNonMedia(u, in.head(), key);
        }
        if (!repo.appendChunk(id, offset, chunk.count(), key, expiry)) {
            safeDelete(key);
            throw offsetConflict(find(id));
        }
        TusUpload after = find(id);
        events.event("TUS_CHUNK_STORED").with("upload_id", id).with("upload_offset", offset)
                .with("bytes", chunk.count()).with("upload_length", u.length()).emit();
        return after.fullyReceived() ? finalizeUpload(after) : after;
    }

    /**
     * How many leading bytes the sniffer needs to judge: {@link MediaSniffer#PEEK_BYTES}, or the whole
     * upload when it is smaller. Until the upload has them, small chunks are simply stored.
     */
    private static long sniffLength(TusUpload u) {
        return Math.min(MediaSniffer.PEEK_BYTES, u.length());
    }

    /**
     * Judges the upload's first bytes once this chunk completed them: the earlier chunks' part (a few
     * KiB at most) is read back from the store, this chunk's part was captured while streaming.
     */
    private void refuseNonMedia(TusUpload u, byte[] tail, String key) {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        try {
            for (TusRepository.Chunk c : repo.chunks(u.uploadId())) {
                if (c.offset() >= sniffLength(u)) {
                    break;
                }
                try (InputStream s = store.get(c.objectKey())) {
                    head.write(s.readNBytes((int) Math.min(c.length(), sniffLength(u) - c.offset())));
                }
            }
        } catch (java.io.IOException e) {
            safeDelete(key);
            throw new io.vidforge.storage.StorageException("could not read back the upload's first bytes", e, false);
        }
        head.writeBytes(tail);
        try {
            MediaSniffer.refuseObviousNonMedia(head.toByteArray());
        } catch (ApiException e) {
            safeDelete(key);
            throw e;
        }
    }

    /**
     * Streams the chunks in order through the normal ingest. Idempotent: content addressing makes a
     * second finalization (another node, a retried request) find the same video.
     */
    TusUpload finalizeUpload(TusUpload u) {
        if (u.state() == TusUpload.State.COMPLETE) {
            return u;
        }
        List<TusRepository.Chunk> chunks = repo.chunks(u.uploadId());
        long total = chunks.stream().mapToLong(TusRepository.Chunk::length).sum();
        if (total != u.length()) {
            throw new IllegalStateException("upload " + u.uploadId() + " has " + total + " of " + u.length() + " bytes");
        }
        UploadIngest.Result r = ingest.ingest(concat(chunks),
                new UploadIngest.Meta(u.filename(), u.title(), u.filetype()));
        repo.complete(u.uploadId(), r.video().videoId());
        chunks.forEach(c -> safeDelete(c.objectKey()));
        events.event("TUS_UPLOAD_COMPLETED").with("upload_id", u.uploadId()).with("video_id", r.video().videoId())
                .with("duplicate", r.duplicate()).emit();
        return repo.findLive(u.uploadId()).orElseThrow();
    }

    void terminate(String id) {
        find(id);
        List<TusRepository.Chunk> chunks = repo.terminate(id).orElseThrow(() -> new ApiException(409,
                "UPLOAD_COMPLETE", "The upload is complete and became a video; it can no longer be terminated."));
        chunks.forEach(c -> safeDelete(c.objectKey()));
        events.event("TUS_UPLOAD_TERMINATED").with("upload_id", id).emit();
    }

    /** Removes abandoned uploads and their data; run periodically by any upload node. */
    int expireAbandoned() {
        int n = 0;
        for (String id : repo.expired(100)) {
            repo.terminate(id).ifPresent(chunks -> {
                chunks.forEach(c -> safeDelete(c.objectKey()));
                events.event("TUS_UPLOAD_EXPIRED").with("upload_id", id).emit();
            });
            n++;
        }
        return n;
    }

    /** Opens each chunk only when the previous one is exhausted: one S3 stream at a time. */
    private InputStream concat(List<TusRepository.Chunk> chunks) {
        Iterator<TusRepository.Chunk> it = chunks.iterator();
        return new SequenceInputStream(new Enumeration<InputStream>() {
            @Override
            public boolean hasMoreElements() {
                return it.hasNext();
            }

            @Override
            public InputStream nextElement() {
                return store.get(it.next().objectKey());
            }
        });
    }

    private static TusOffsetConflict offsetConflict(TusUpload u) {
        return new TusOffsetConflict(u.offset());
    }

    /** 409 that also tells the client where the upload really is. */
    static final class TusOffsetConflict extends RuntimeException {
        final long currentOffset;

        TusOffsetConflict(long currentOffset) {
            super("Upload-Offset does not match the upload's offset " + currentOffset + "; HEAD it and resume from there.");
            this.currentOffset = currentOffset;
        }
    }

    private void safeDelete(String key) {
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not remove tus chunk " + key + ": " + e.getMessage());
        }
    }
}
