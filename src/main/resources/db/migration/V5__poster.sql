-- The poster image the probe extracted, set by the fenced publish with the ladder.
ALTER TABLE videos ADD COLUMN poster_key VARCHAR(255);
