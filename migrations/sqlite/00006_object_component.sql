-- +goose Up
-- Listing a calendar's objects of one component (stored VFREEBUSY for
-- free-busy, tasks for a VTODO query) reads only those rows.
CREATE INDEX objects_component ON objects (calendar_id, component);
