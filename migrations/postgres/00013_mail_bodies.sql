-- +goose Up
-- The text of a queued iTIP message is stored once for all its recipients:
-- an invitation names every attendee, so a copy per recipient made the
-- queue grow with the square of the attendees. Each recipient keeps its
-- own row (status, attempts, lease), which points at the shared text.
CREATE TABLE outbound_bodies (
    id           bigserial PRIMARY KEY,
    principal_id bigint NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    data         text NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN body_id bigint REFERENCES outbound_bodies (id) ON DELETE CASCADE;
INSERT INTO outbound_bodies (id, principal_id, data) SELECT id, principal_id, data FROM outbound_messages;
SELECT setval(pg_get_serial_sequence('outbound_bodies', 'id'), COALESCE((SELECT max(id) FROM outbound_bodies), 0) + 1, false);
UPDATE outbound_messages SET body_id = id;
ALTER TABLE outbound_messages ALTER COLUMN body_id SET NOT NULL;
ALTER TABLE outbound_messages DROP COLUMN data;

-- +goose Down
ALTER TABLE outbound_messages ADD COLUMN data text NOT NULL DEFAULT '';
UPDATE outbound_messages SET data = b.data FROM outbound_bodies b WHERE b.id = outbound_messages.body_id;
ALTER TABLE outbound_messages DROP COLUMN body_id;
DROP TABLE outbound_bodies;
