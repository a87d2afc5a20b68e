package io.vidforge.model;

import java.util.Locale;

/**
 * A video's lifecycle: uploaded → processing → ready | failed, and from any of them → deleted (a tombstone
 * that keeps the history; the same bytes uploaded again bring it back as uploaded, a new generation).
 */
public enum VideoStatus {
    UPLOADED, PROCESSING, READY, FAILED, DELETED;

    /** Every status but {@link #DELETED}: the video exists for its users and its objects are kept. */
    public boolean live() {
        return this != DELETED;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VideoStatus parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
