package io.vidforge.segment;

import io.vidforge.http.ApiException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Playback session ids. A session is nothing but this id in the URLs: no node keeps state for it, so
 * nginx can hash it to pick a node and any node can take a session over.
 */
public final class SessionIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {
    }

    /** 128 random bits, URL-safe base64 without padding: 22 characters, unguessable and collision-free. */
    public static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static boolean isValid(String s) {
        return s != null && VALID.matcher(s).matches();
    }

    /** The session id, or a 400 naming the rule. */
    public static String require(String s) {
        if (!isValid(s)) {
            throw ApiException.badRequest("INVALID_SESSION_ID", "A session id is 1-64 of [A-Za-z0-9_-].");
        }
        return s;
    }
}
