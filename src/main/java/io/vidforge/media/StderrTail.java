package io.vidforge.media;

import java.util.ArrayDeque;

/**
 * The last lines of a stream, bounded in lines and characters: ffmpeg can print megabytes of warnings
 * on a damaged file, and only the end explains why it stopped.
 */
final class StderrTail {
    private static final int MAX_LINE_CHARS = 500;

    private final int maxLines;
    private final ArrayDeque<String> lines = new ArrayDeque<>();

    StderrTail(int maxLines) {
        this.maxLines = maxLines;
    }

    synchronized void add(String line) {
        String l = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "…" : line;
        if (l.isBlank()) {
            return;
        }
        lines.addLast(l.strip());
        while (lines.size() > maxLines) {
            lines.removeFirst();
        }
    }

    @Override
    public synchronized String toString() {
        return String.join(" | ", lines);
    }
}
