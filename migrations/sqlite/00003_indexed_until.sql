-- +goose Up
-- How far each object's occurrences are written to the instances table:
-- the end of the series, or the horizon for series running past it. A
-- query past indexed_until expands the object on the fly. Unix seconds.
ALTER TABLE objects ADD COLUMN indexed_until INTEGER;
UPDATE objects SET indexed_until = last_end;
CREATE INDEX objects_unindexed ON objects (calendar_id, indexed_until) WHERE last_end > indexed_until;
