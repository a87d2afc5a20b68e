-- An upload looks up the raw object of the same bytes under any profile (VideoRepository.rawKeyOf)
-- before it keeps its own object as the raw object.
CREATE INDEX videos_content_sha ON videos (content_sha256);
