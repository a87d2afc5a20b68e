package io.vidforge.upload;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.http.ApiException;
import io.vidforge.http.Handlers;
import io.vidforge.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;

/**
 * {@code POST /upload}: the video as the raw body or as the multipart part {@code file} (with an
 * optional {@code title} field before it), streamed to S3. 201 for new content, 200 for content seen
 * before, both pointing at {@code /videos/{id}}.
 */
public final class UploadService implements HttpService {
    private static final Pattern DISPOSITION_FILENAME = Pattern.compile("filename=\"?([^\";]+)\"?");

    private final UploadIngest ingest;
    private final long maxBytes;
    private final UploadSlots slots;

    public UploadService(UploadIngest ingest, long maxBytes, UploadSlots slots) {
        this.ingest = ingest;
        this.maxBytes = maxBytes;
        this.slots = slots;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::upload).any("/", Handlers.methodNotAllowed());
    }

    private void upload(ServerRequest req, ServerResponse res) {
        long length = req.headers().contentLength().orElse(-1);
        if (length > maxBytes) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE",
                    "The upload is " + length + " bytes; the maximum is " + maxBytes + " bytes.");
        }
        if (length == 0) {
            throw ApiException.badRequest("EMPTY_BODY", "The upload is empty: send the video as the request body"
                    + " or as the multipart part 'file'.");
        }
        UploadIngest.Result result;
        try (UploadSlots.Slot slot = slots.acquire("/upload")) {
            result = receive(req, length);
        }
        // The slot is free before the answer goes out: a client that uploads again at once finds it free.
        respond(res, result);
    }

    private UploadIngest.Result receive(ServerRequest req, long length) {
        Optional<HttpMediaType> type = req.headers().contentType();
        String title = req.query().first("title").orElse(null);
        UploadIngest.Result result;
        if (type.isPresent() && type.get().mediaType().text().toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            result = multipart(req, type.get().text(), length, title);
        } else {
            String filename = req.query().first("filename").orElseGet(() -> dispositionFilename(req));
            String contentType = type.map(HttpMediaType::text).orElse(null);
            result = ingest.ingest(req.content().inputStream(), new UploadIngest.Meta(filename, title, contentType));
        }
        return result;
    }

    private UploadIngest.Result multipart(ServerRequest req, String contentType, long length, String queryTitle) {
        InputStream body = req.content().inputStream();
        String title = queryTitle;
        try {
            FileItemInputIterator parts = StreamingMultipart.parts(contentType, length, body);
            while (parts.hasNext()) {
                FileItemInput part = parts.next();
                if (part.isFormField() && "title".equals(part.getFieldName())) {
                    try (InputStream in = part.getInputStream()) {
                        String t = new String(in.readNBytes(2048), java.nio.charset.StandardCharsets.UTF_8);
                        title = title == null ? t : title;
                    }
                } else if ("file".equals(part.getFieldName())) {
                    try (InputStream in = part.getInputStream()) {
                        return ingest.ingest(in, new UploadIngest.Meta(part.getName(), title, part.getContentType()));
                    } catch (ApiException e) {
                        if ("UPLOAD_INTERRUPTED".equals(e.code())) {
                            // Inside a part, a broken stream means the body ended before its closing boundary.
                            throw ApiException.badRequest("MALFORMED_MULTIPART",
                                    "The multipart body ended before its closing boundary; nothing was stored.");
                        }
                        throw e;
                    }
                }
                // Other parts are skipped: the iterator discards them as it moves on.
            }
        } catch (FileUploadException e) {
            throw ApiException.badRequest("MALFORMED_MULTIPART",
                    "The multipart body could not be parsed: " + e.getMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("MALFORMED_MULTIPART",
                    "The multipart body broke off or is malformed: " + e.getMessage());
        }
        throw ApiException.badRequest("MISSING_FILE_PART",
                "The multipart form has no part named 'file'; send the video as the part 'file'.");
    }

    private static String dispositionFilename(ServerRequest req) {
        return req.headers().first(HeaderNames.CONTENT_DISPOSITION).map(v -> {
            Matcher m = DISPOSITION_FILENAME.matcher(v);
            return m.find() ? m.group(1) : null;
        }).orElse(null);
    }

    private static void respond(ServerResponse res, UploadIngest.Result r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("video_id", r.video().videoId());
        body.put("status", r.video().status().id());
        body.put("duplicate", r.duplicate());
        body.put("size_bytes", r.video().sizeBytes());
        body.put("content_sha256", r.video().contentSha256());
        body.put("url", "/videos/" + r.video().videoId());
        res.header(HeaderNames.LOCATION, "/videos/" + r.video().videoId());
        Responses.json(res, r.duplicate() ? 200 : 201, body);
    }
}
