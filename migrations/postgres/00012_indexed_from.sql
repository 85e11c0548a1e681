-- +goose Up
-- Where each object's indexed occurrences begin: the start of the series,
-- or the start of the window around the time of the write for a series
-- with more occurrences than the index keeps (a daily event since 2000).
-- A query before indexed_from expands the object on the fly.
ALTER TABLE objects ADD COLUMN indexed_from timestamptz;
UPDATE objects SET indexed_from = first_start;
CREATE INDEX objects_unindexed_from ON objects (calendar_id, indexed_from) WHERE first_start < indexed_from;
