package io.vidforge.upload;

import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.RequestContext;

/**
 * commons-fileupload's streaming API over a raw request body: parts are read one after the other
 * straight from the socket, never buffered whole in memory or on disk.
 */
final class StreamingMultipart extends AbstractFileUpload<RequestContext, DiskFileItem, DiskFileItemFactory> {

    static FileItemInputIterator parts(String contentType, long contentLength, InputStream body)
            throws java.io.IOException {
        StreamingMultipart parser = new StreamingMultipart();
        parser.setHeaderCharset(StandardCharsets.UTF_8);
        return parser.getItemIterator(new RequestContext() {
            @Override
            public String getCharacterEncoding() {
                return "UTF-8";
            }

            @Override
            public Charset getCharset() {
                return StandardCharsets.UTF_8;
            }

            @Override
            public long getContentLength() {
                return contentLength;
            }

            @Override
            public String getContentType() {
                return contentType;
            }

            @Override
            public InputStream getInputStream() {
                return body;
            }

            @Override
            public boolean isMultipartRelated() {
                return false;
            }
        });
    }

    @Override
    public FileItemInputIterator getItemIterator(RequestContext request) throws FileUploadException, java.io.IOException {
        return super.getItemIterator(request);
    }

    @Override
    public Map<String, List<DiskFileItem>> parseParameterMap(RequestContext request) throws FileUploadException {
        throw new UnsupportedOperationException("streaming only");
    }

    @Override
    public List<DiskFileItem> parseRequest(RequestContext request) throws FileUploadException {
        throw new UnsupportedOperationException("streaming only");
    }
}
