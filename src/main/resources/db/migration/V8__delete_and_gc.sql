-- Deleting videos and collecting storage (issue 17).
--
-- A deleted video keeps its row as a tombstone (status 'deleted', its history kept); the same bytes
-- uploaded again revive the row as a new generation.
--
-- gc_marks: objects the storage clean-up found unreferenced on one pass. The sweep deletes an object only
-- on a later pass, after it has moved the mark MARKED -> SWEEPING and checked again, in that one
-- transaction, that no live video refers to the object. Anything that starts referring to an existing
-- object (an upload reusing or repairing a raw object) first removes its MARKED row and refuses the
-- object if the row says SWEEPING. Both sides write the same row, so the database orders them: either
-- the sweep finds no mark (and deletes nothing) or the new reference sees SWEEPING (and uses other bytes).
CREATE TABLE gc_marks (
    object_key   VARCHAR(1024)  NOT NULL PRIMARY KEY,
    reason       VARCHAR(32)    NOT NULL,
    size_bytes   BIGINT         NOT NULL,
    modified_at  BIGINT         NOT NULL,
    marked_at    BIGINT         NOT NULL,
    state        VARCHAR(16)    NOT NULL
);
CREATE INDEX gc_marks_state ON gc_marks (state, marked_at);
-- The clean-up asks "does any live video refer to this raw object?" once per raw object it lists.
CREATE INDEX videos_raw_key ON videos (raw_key);
