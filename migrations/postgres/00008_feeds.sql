-- +goose Up
-- Subscription feeds: secret, revocable read-only URLs (/feeds/TOKEN.ics)
-- of one calendar. A request is matched by token_hash, the SHA-256 of the
-- token, through a unique index, so the time a lookup takes does not depend
-- on how much of a guessed token is right. token itself is kept so that the
-- owner can see the URL again. private_mode is how events marked CLASS
-- PRIVATE or CONFIDENTIAL are shown by default. Revoking a feed deletes its
-- row; deleting the calendar (or its principal) deletes its feeds.
CREATE TABLE feeds (
    id           bigserial PRIMARY KEY,
    calendar_id  bigint NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    token        text NOT NULL,
    private_mode text NOT NULL DEFAULT 'busy' CHECK (private_mode IN ('full', 'busy', 'omit')),
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feeds_calendar ON feeds (calendar_id);

-- +goose Down
DROP TABLE feeds;
