-- +goose Up
-- Delegation (calendar-proxy): who may act for a principal, reading or
-- also writing its calendars and answering its invitations. A manual room
-- is answered by its write delegates.
CREATE TABLE delegates (
    principal_id BIGINT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    delegate_id  BIGINT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    can_write    BOOLEAN NOT NULL,
    PRIMARY KEY (principal_id, delegate_id),
    CHECK (principal_id <> delegate_id)
);
CREATE INDEX delegates_by_delegate ON delegates (delegate_id);

-- +goose Down
DROP TABLE delegates;
