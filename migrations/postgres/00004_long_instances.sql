-- +goose Up
-- Occurrences longer than a day, apart: a range query reads the short ones
-- by start (those starting less than a day before the range) and the few
-- long ones by end, so it never scans everything that started earlier.
CREATE INDEX instances_long ON instances (calendar_id, end_at) WHERE end_at - start_at > interval '1 day';
