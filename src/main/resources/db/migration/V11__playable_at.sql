-- When the current generation became playable (epoch ms): under the chunked plan as soon as the audio and
-- the first chunk are accepted, otherwise when it is published. NULL until then; a new generation clears it.
ALTER TABLE videos ADD COLUMN playable_at BIGINT;
