package io.vidforge.model;

import java.util.Locale;

/** A video's lifecycle: uploaded → processing → ready | failed. */
public enum VideoStatus {
    UPLOADED, PROCESSING, READY, FAILED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VideoStatus parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
