package io.vidforge.upload;

import io.vidforge.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** The tus {@code Upload-Metadata} header: comma-separated {@code key base64value} pairs. */
record TusMetadata(String raw, Map<String, String> values) {
    private static final int MAX_HEADER = 4000;

    static TusMetadata parse(String header) {
        if (header == null || header.isBlank()) {
            return new TusMetadata(null, Map.of());
        }
        if (header.length() > MAX_HEADER) {
            throw ApiException.badRequest("BAD_METADATA", "Upload-Metadata is longer than " + MAX_HEADER + " characters.");
        }
        Map<String, String> m = new HashMap<>();
        for (String pair : header.split(",")) {
            String[] kv = pair.trim().split(" ", 2);
            if (kv[0].isEmpty()) {
                throw ApiException.badRequest("BAD_METADATA", "Upload-Metadata has an empty key.");
            }
            try {
                m.put(kv[0], kv.length == 2 ? new String(Base64.getDecoder().decode(kv[1].trim()), StandardCharsets.UTF_8) : "");
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("BAD_METADATA", "Upload-Metadata value of '" + kv[0] + "' is not base64.");
            }
        }
        return new TusMetadata(header, Map.copyOf(m));
    }

    String get(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? null : v;
    }
}
