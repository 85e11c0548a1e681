-- +goose Up
-- Plain WebDAV resources and collections inside calendar collections (RFC
-- 4791 §4.2 allows collections that are not calendar collections there, and
-- anything inside those). path is relative to the calendar: "litmus/" for a
-- collection, "litmus/res" for a resource. They are not calendar data: no
-- revision, change log or instances. Their dead properties live in
-- properties with object_uri = path. COLLATE "C": byte order, so that a
-- subtree is a contiguous range of the primary key.
CREATE TABLE files (
    calendar_id   bigint NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    path          text COLLATE "C" NOT NULL,
    is_collection boolean NOT NULL,
    content       bytea,
    content_type  text NOT NULL DEFAULT '',
    etag          text NOT NULL DEFAULT '',
    size          bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    modified_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (calendar_id, path),
    CHECK (is_collection = (right(path, 1) = '/'))
);

-- +goose Down
DROP TABLE files;
