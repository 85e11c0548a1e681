-- +goose Up
-- How rooms and resources answer invitations, and the iTIP mail waiting for
-- recipients outside the server.
ALTER TABLE principals ADD COLUMN booking_policy text NOT NULL DEFAULT '';
ALTER TABLE principals ADD COLUMN max_bookings integer NOT NULL DEFAULT 0;
CREATE TABLE outbound_messages (
    id           bigserial PRIMARY KEY,
    principal_id bigint NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    originator   text NOT NULL,
    recipient    text NOT NULL,
    method       text NOT NULL,
    uid          text NOT NULL,
    data         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending',
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_messages_pending ON outbound_messages (created_at) WHERE status = 'pending';
