package io.vidforge.segment;

/**
 * One file of a variant: {@code index.m3u8}, {@code init.mp4} or {@code seg_NNNNN.m4s}. {@code index}
 * is the segment number for media segments and -1 otherwise.
 */
public record PlaybackFile(String name, FileKind kind, int index) {
    public static final PlaybackFile PLAYLIST = new PlaybackFile("index.m3u8", FileKind.PLAYLIST, -1);
    public static final PlaybackFile INIT = new PlaybackFile("init.mp4", FileKind.INIT, -1);

    public static PlaybackFile segment(int index) {
        if (index < 0 || index > 99_999) {
            throw new IllegalArgumentException("segment index out of range: " + index);
        }
        return new PlaybackFile(String.format("seg_%05d.m4s", index), FileKind.SEGMENT, index);
    }

    public boolean isSegment() {
        return kind == FileKind.SEGMENT;
    }

    /** The segment index for the event log, or null (left out) for playlists and init segments. */
    public Integer segmentOrNull() {
        return isSegment() ? index : null;
    }
}
