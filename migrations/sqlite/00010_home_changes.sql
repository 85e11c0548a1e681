-- +goose Up
-- The change log of calendar homes, behind sync-collection on a home (RFC
-- 6578 §3.3). Each home has one revision counter; every change below the
-- home (a collection created, deleted or PROPPATCHed, an object written or
-- deleted) takes its next revision. home_changes holds the latest change of
-- each collection URI, deletions included, as changes does for objects,
-- whose entries also carry the home revision of their change
-- (home_revision): a sync from a home token reads the entries after it,
-- so its cost grows with the changes, not with the size of the home.
CREATE TABLE homes (
    principal_id INTEGER PRIMARY KEY REFERENCES principals (id) ON DELETE CASCADE,
    revision     INTEGER NOT NULL
);
CREATE TABLE home_changes (
    principal_id INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    uri          text NOT NULL,
    revision     INTEGER NOT NULL,
    deleted      INTEGER NOT NULL,
    PRIMARY KEY (principal_id, uri)
);
CREATE INDEX home_changes_revision ON home_changes (principal_id, revision);
ALTER TABLE changes ADD COLUMN home_revision INTEGER NOT NULL DEFAULT 0;
-- Existing homes start after their highest collection revision, list their
-- collections as changed, and their objects' changes at their collection
-- revision: an initial sync of the home finds them all.
UPDATE changes SET home_revision = revision;
CREATE INDEX changes_home_revision ON changes (calendar_id, home_revision);
INSERT INTO homes (principal_id, revision) SELECT principal_id, max(revision) + 1 FROM calendars GROUP BY principal_id;
INSERT INTO home_changes (principal_id, uri, revision, deleted) SELECT principal_id, uri, revision + 1, 0 FROM calendars;

-- +goose Down
DROP INDEX changes_home_revision;
ALTER TABLE changes DROP COLUMN home_revision;
DROP TABLE home_changes;
DROP TABLE homes;
