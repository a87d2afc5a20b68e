package io.vidforge.model;

/** One lifecycle transition of a video. */
public record HistoryEntry(VideoStatus status, long at, String detail) {
}
