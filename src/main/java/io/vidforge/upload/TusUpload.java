package io.vidforge.upload;

/** One resumable upload's row. Times are epoch milliseconds. */
record TusUpload(String uploadId, long length, long offset, State state, String filename, String title,
                 String filetype, String metadata, String videoId, long createdAt, long expiresAt) {

    enum State { RECEIVING, COMPLETE, TERMINATED }

    boolean fullyReceived() {
        return offset == length;
    }
}
