-- The deployment this database belongs to. The bucket holds the same id (object "deployment-id"); every node
-- checks at start that they agree, so a database is never used with another deployment's bucket (issue 17,
-- item 5). One row; the primary key makes the first node's id the one every other node adopts.
CREATE TABLE deployment (
    name        VARCHAR(32)   NOT NULL PRIMARY KEY,
    id          VARCHAR(64)   NOT NULL,
    created_at  BIGINT        NOT NULL
);
