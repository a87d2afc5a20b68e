-- Resumable (tus) uploads. All state lives here and in S3, so any upload node can take any request of
-- an upload. `upload_offset` advances only after a chunk is stored, conditionally on the offset the
-- request started from, so concurrent or replayed PATCHes can never both count.

CREATE TABLE tus_uploads (
    upload_id      VARCHAR(64)   NOT NULL PRIMARY KEY,
    upload_length  BIGINT        NOT NULL,
    upload_offset  BIGINT        NOT NULL,
    state          VARCHAR(16)   NOT NULL,
    filename       VARCHAR(512),
    title          VARCHAR(512),
    filetype       VARCHAR(255),
    metadata       VARCHAR(4000),
    video_id       VARCHAR(64),
    created_at     BIGINT        NOT NULL,
    updated_at     BIGINT        NOT NULL,
    expires_at     BIGINT        NOT NULL
);
CREATE INDEX tus_uploads_expiry ON tus_uploads (state, expires_at);

CREATE TABLE tus_chunks (
    upload_id     VARCHAR(64)   NOT NULL,
    chunk_offset  BIGINT        NOT NULL,
    chunk_length  BIGINT        NOT NULL,
    object_key    VARCHAR(255)  NOT NULL,
    PRIMARY KEY (upload_id, chunk_offset)
);
