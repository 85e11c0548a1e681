-- +goose Up
-- The iMIP outbox worker: when a queued message may be tried next (NULL:
-- at once), the lease of the worker trying it now (several server processes
-- share the queue: a message is claimed by one until claimed_until, under
-- claim_token), and when it was last tried.
ALTER TABLE outbound_messages ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE outbound_messages ADD COLUMN claimed_until timestamptz;
ALTER TABLE outbound_messages ADD COLUMN claim_token text;
ALTER TABLE outbound_messages ADD COLUMN last_attempt_at timestamptz;
CREATE INDEX outbound_messages_due ON outbound_messages (id) WHERE status = 'pending';
CREATE INDEX outbound_messages_status ON outbound_messages (status, id);

-- +goose Down
DROP INDEX outbound_messages_status;
DROP INDEX outbound_messages_due;
ALTER TABLE outbound_messages DROP COLUMN last_attempt_at;
ALTER TABLE outbound_messages DROP COLUMN claim_token;
ALTER TABLE outbound_messages DROP COLUMN claimed_until;
ALTER TABLE outbound_messages DROP COLUMN next_attempt_at;
