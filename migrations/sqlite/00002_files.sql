-- +goose Up
-- Plain WebDAV resources and collections inside calendar collections (RFC
-- 4791 §4.2 allows collections that are not calendar collections there, and
-- anything inside those). path is relative to the calendar: "litmus/" for a
-- collection, "litmus/res" for a resource. They are not calendar data: no
-- revision, change log or instances. Their dead properties live in
-- properties with object_uri = path. Timestamps are Unix seconds (UTC).
CREATE TABLE files (
    calendar_id   INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    path          text NOT NULL,
    is_collection INTEGER NOT NULL,
    content       BLOB,
    content_type  text NOT NULL DEFAULT '',
    etag          text NOT NULL DEFAULT '',
    size          INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL,
    PRIMARY KEY (calendar_id, path),
    CHECK (is_collection = (substr(path, -1) = '/'))
);

-- +goose Down
DROP TABLE files;
