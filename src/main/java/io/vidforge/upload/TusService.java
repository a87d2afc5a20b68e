package io.vidforge.upload;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.http.ApiException;
import io.vidforge.http.Handlers;
import io.vidforge.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * tus 1.0.0 at {@code /uploads}: core, creation, termination and checksum. Stateless: any upload node
 * can take any request of an upload. {@code POST} with {@code X-HTTP-Method-Override} is accepted
 * for clients that cannot send PATCH (tus-java-client, old proxies).
 */
public final class TusService implements HttpService {
    static final String VERSION = "1.0.0";
    private static final HeaderName TUS_RESUMABLE = HeaderNames.create("Tus-Resumable");
    private static final HeaderName TUS_VERSION = HeaderNames.create("Tus-Version");
    private static final HeaderName TUS_EXTENSION = HeaderNames.create("Tus-Extension");
    private static final HeaderName TUS_MAX_SIZE = HeaderNames.create("Tus-Max-Size");
    private static final HeaderName TUS_CHECKSUM_ALGORITHM = HeaderNames.create("Tus-Checksum-Algorithm");
    private static final HeaderName UPLOAD_OFFSET = HeaderNames.create("Upload-Offset");
    private static final HeaderName UPLOAD_LENGTH = HeaderNames.create("Upload-Length");
    private static final HeaderName UPLOAD_METADATA = HeaderNames.create("Upload-Metadata");
    private static final HeaderName UPLOAD_EXPIRES = HeaderNames.create("Upload-Expires");
    private static final HeaderName UPLOAD_CHECKSUM = HeaderNames.create("Upload-Checksum");
    private static final HeaderName METHOD_OVERRIDE = HeaderNames.create("X-HTTP-Method-Override");
    private static final HeaderName VIDEO_ID = HeaderNames.create("Video-Id");
    private static final String EXPOSED = "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires,"
            + " Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Video-Id";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** At most this much of a refused PATCH body is read before answering; Helidon discards the rest. */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private final TusUploads uploads;
    private final UploadSlots slots;

    TusService(TusUploads uploads, UploadSlots slots) {
        this.uploads = uploads;
        this.slots = slots;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.options("/", this::options).post("/", this::create).any("/", Handlers.methodNotAllowed())
                .options("/{id}", this::options)
                .head("/{id}", this::head)
                .get("/{id}", this::status)
                .patch("/{id}", this::patch)
                .delete("/{id}", this::delete)
                .post("/{id}", this::override)
                .any("/{id}", Handlers.methodNotAllowed());
    }

    private void options(ServerRequest req, ServerResponse res) {
        common(res);
        res.header(TUS_VERSION, VERSION);
        res.header(TUS_EXTENSION, "creation,termination,checksum,expiration");
        res.header(TUS_MAX_SIZE, Long.toString(uploads.maxBytes()));
        res.header(TUS_CHECKSUM_ALGORITHM, "sha1,sha256,md5");
        res.header(HeaderNames.create("Access-Control-Allow-Methods"), "POST, GET, HEAD, PATCH, DELETE, OPTIONS");
        res.header(HeaderNames.create("Access-Control-Allow-Headers"), "Content-Type, Upload-Offset, Upload-Length,"
                + " Upload-Metadata, Upload-Checksum, Tus-Resumable, X-HTTP-Method-Override, X-Requested-With");
        res.header(HeaderNames.create("Access-Control-Max-Age"), "86400");
        res.status(Status.NO_CONTENT_204).send();
    }

    private void create(ServerRequest req, ServerResponse res) {
        requireTus(req, res);
        String lengthHeader = req.headers().first(UPLOAD_LENGTH).orElseThrow(() -> ApiException.badRequest(
                "MISSING_UPLOAD_LENGTH", "Upload-Length is required (deferred length is not supported)."));
        long length = parseNonNegative(lengthHeader, "Upload-Length");
        if (length == 0) {
            throw ApiException.badRequest("EMPTY_BODY", "Upload-Length is 0: there is no video to upload.");
        }
        TusUpload u = uploads.create(length, TusMetadata.parse(req.headers().first(UPLOAD_METADATA).orElse(null)));
        common(res);
        res.header(HeaderNames.LOCATION, "/uploads/" + u.uploadId());
        res.header(UPLOAD_EXPIRES, HTTP_DATE.format(Instant.ofEpochMilli(u.expiresAt())));
        res.header(UPLOAD_OFFSET, "0");
        res.status(Status.CREATED_201).send();
    }

    private void head(ServerRequest req, ServerResponse res) {
        requireTus(req, res);
        TusUpload u = uploads.find(req.path().pathParameters().get("id"));
        common(res);
        res.header(UPLOAD_OFFSET, Long.toString(u.offset()));
        res.header(UPLOAD_LENGTH, Long.toString(u.length()));
        if (u.metadata() != null) {
            res.header(UPLOAD_METADATA, u.metadata());
        }
        if (u.videoId() != null) {
            res.header(VIDEO_ID, u.videoId());
        }
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.status(Status.OK_200).send();
    }

    /** Not part of tus: where the upload stands, and its video once complete. */
    private void status(ServerRequest req, ServerResponse res) {
        TusUpload u = uploads.find(req.path().pathParameters().get("id"));
        if (u.fullyReceived() && u.state() != TusUpload.State.COMPLETE) {
            // Finishing streams every chunk through the ingest again: as heavy as an upload, so it takes a slot.
            try (UploadSlots.Slot slot = slots.acquire("/uploads/" + u.uploadId())) {
                u = uploads.finalizeUpload(u);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("upload_id", u.uploadId());
        body.put("status", u.state() == TusUpload.State.COMPLETE ? "complete" : "receiving");
        body.put("offset", u.offset());
        body.put("length", u.length());
        body.put("video_id", u.videoId());
        body.put("video_url", u.videoId() == null ? null : "/videos/" + u.videoId());
        common(res);
        Responses.json(res, 200, body);
    }

    private void override(ServerRequest req, ServerResponse res) {
        String method = req.headers().first(METHOD_OVERRIDE).orElse("").trim().toUpperCase(Locale.ROOT);
        switch (method) {
            case "PATCH" -> patch(req, res);
            case "DELETE" -> delete(req, res);
            default -> throw new ApiException(405, "METHOD_NOT_ALLOWED",
                    "POST on an upload needs X-HTTP-Method-Override: PATCH or DELETE.");
        }
    }

    private void patch(ServerRequest req, ServerResponse res) {
        requireTus(req, res);
        String type = req.headers().contentType().map(t -> t.mediaType().text()).orElse("");
        if (!"application/offset+octet-stream".equalsIgnoreCase(type)) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
                    "PATCH bodies must have Content-Type: application/offset+octet-stream.");
        }
        long offset = parseNonNegative(req.headers().first(UPLOAD_OFFSET).orElseThrow(() ->
                ApiException.badRequest("MISSING_UPLOAD_OFFSET", "Upload-Offset is required.")), "Upload-Offset");
        TusUploads.Checksum checksum = req.headers().first(UPLOAD_CHECKSUM).map(TusUploads.Checksum::parse).orElse(null);
        String id = req.path().pathParameters().get("id");
        TusUpload u;
        TusUploads.TusOffsetConflict conflict = null;
        // Refused before the body is read: the client keeps its offset and retries after Retry-After.
        try (UploadSlots.Slot slot = slots.acquire("/uploads/" + id)) {
            InputStream body = req.content().inputStream(); // Helidon answers Expect: 100-continue here
            try {
                u = uploads.patch(id, offset, body, checksum);
            } catch (TusUploads.TusOffsetConflict e) {
                u = null;
                conflict = e;
            } finally {
                awaitBody(body);
            }
        }
        if (conflict != null) {
            common(res);
            res.header(UPLOAD_OFFSET, Long.toString(conflict.currentOffset));
            Responses.error(res, 409, "OFFSET_MISMATCH", conflict.getMessage());
            return;
        }
        common(res);
        res.header(UPLOAD_OFFSET, Long.toString(u.offset()));
        res.header(UPLOAD_EXPIRES, HTTP_DATE.format(Instant.ofEpochMilli(u.expiresAt())));
        if (u.videoId() != null) {
            res.header(VIDEO_ID, u.videoId());
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /**
     * Reads what is left of a PATCH body (usually nothing) before the answer is written. Once the body was
     * asked for, the client has been sent {@code 100 Continue}; a final answer written right behind it
     * (an upload already complete, a wrong offset) can reach the client in the same TCP read, and the
     * JDK's HttpURLConnection (tus-java-client) parses each response through a new buffer and loses it:
     * the client then waits for an answer it already received. Reading the body first orders the answer
     * after the client's body. With Nagle's algorithm on, the delayed ACK of the 100 hid this race;
     * with TCP_NODELAY it lost about every other final tus request (docs/performance.md).
     */
    private static void awaitBody(InputStream body) {
        try {
            byte[] buf = new byte[8192];
            long left = DRAIN_LIMIT;
            int n;
            while (left > 0 && (n = body.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            // A broken body is handled (or already was) by the answer itself.
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        requireTus(req, res);
        uploads.terminate(req.path().pathParameters().get("id"));
        common(res);
        res.status(Status.NO_CONTENT_204).send();
    }

    private static void requireTus(ServerRequest req, ServerResponse res) {
        String v = req.headers().first(TUS_RESUMABLE).orElse(null);
        if (!VERSION.equals(v)) {
            res.header(TUS_VERSION, VERSION);
            throw new ApiException(412, "UNSUPPORTED_TUS_VERSION",
                    "Send Tus-Resumable: " + VERSION + " (got " + (v == null ? "none" : v) + ").");
        }
    }

    private static void common(ServerResponse res) {
        res.header(TUS_RESUMABLE, VERSION);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        res.header(HeaderNames.create("Access-Control-Expose-Headers"), EXPOSED);
    }

    private static long parseNonNegative(String s, String header) {
        try {
            long v = Long.parseLong(s.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw ApiException.badRequest("BAD_" + header.toUpperCase(Locale.ROOT).replace('-', '_'),
                header + " must be a non-negative whole number.");
    }
}
