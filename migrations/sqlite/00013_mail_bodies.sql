-- +goose Up
-- The text of a queued iTIP message is stored once for all its recipients:
-- an invitation names every attendee, so a copy per recipient made the
-- queue grow with the square of the attendees. Each recipient keeps its
-- own row (status, attempts, lease), which points at the shared text.
CREATE TABLE outbound_bodies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    principal_id INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    data         text NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN body_id INTEGER NOT NULL DEFAULT 0;
INSERT INTO outbound_bodies (id, principal_id, data) SELECT id, principal_id, data FROM outbound_messages;
UPDATE outbound_messages SET body_id = id;
ALTER TABLE outbound_messages DROP COLUMN data;

-- +goose Down
ALTER TABLE outbound_messages ADD COLUMN data text NOT NULL DEFAULT '';
UPDATE outbound_messages SET data = (SELECT data FROM outbound_bodies WHERE outbound_bodies.id = outbound_messages.body_id);
ALTER TABLE outbound_messages DROP COLUMN body_id;
DROP TABLE outbound_bodies;
