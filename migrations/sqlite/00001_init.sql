-- +goose Up
-- SQLite keeps timestamps as Unix seconds (UTC) and booleans as 0/1.
-- Principals: people, rooms and resources. Users log in with name + password.
CREATE TABLE principals (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             text NOT NULL CHECK (kind IN ('user', 'room', 'resource')),
    name             text NOT NULL,
    display_name     text NOT NULL DEFAULT '',
    admin            INTEGER NOT NULL DEFAULT 0,
    capacity         integer NOT NULL DEFAULT 0,
    location         text NOT NULL DEFAULT '',
    password_hash    text NOT NULL DEFAULT '',
    home_provisioned INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (kind, name)
);

-- Calendar user addresses (lower-cased, without mailto:), preferred first.
CREATE TABLE principal_emails (
    email        text PRIMARY KEY,
    principal_id INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    position     integer NOT NULL
);
CREATE INDEX principal_emails_principal ON principal_emails (principal_id);

-- Collections of a calendar home: calendars, the scheduling inbox and outbox.
-- revision is the collection's sync counter, bumped by every member change.
CREATE TABLE calendars (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    principal_id INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    uri          text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('calendar', 'inbox', 'outbox')),
    display_name text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    color        text NOT NULL DEFAULT '',
    sort_order   integer NOT NULL DEFAULT 0,
    timezone     text NOT NULL DEFAULT '',
    components   text NOT NULL DEFAULT 'VEVENT',
    transparent  INTEGER NOT NULL DEFAULT 0,
    revision     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL DEFAULT (unixepoch()),
    modified_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (principal_id, uri)
);

-- Calendar object resources. data is the truth; the other columns index it.
-- last_end is 9999-12-31 for open-ended series.
CREATE TABLE objects (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_id  INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    uri          text NOT NULL,
    uid          text NOT NULL,
    component    text NOT NULL,
    data         text NOT NULL,
    etag         text NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    dtstart      INTEGER,
    dtend        INTEGER,
    first_start  INTEGER,
    last_end     INTEGER,
    all_day      INTEGER NOT NULL DEFAULT 0,
    organizer    text NOT NULL DEFAULT '',
    sequence     integer NOT NULL DEFAULT 0,
    schedule_tag text NOT NULL DEFAULT '',
    transparent  INTEGER NOT NULL DEFAULT 0,
    status       text NOT NULL DEFAULT '',
    UNIQUE (calendar_id, uri),
    UNIQUE (calendar_id, uid)
);

-- The instance index: every occurrence of every object up to the horizon.
CREATE TABLE instances (
    object_id     INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    calendar_id   INTEGER NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    recurrence_id INTEGER,
    transparent   INTEGER NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT '',
    busy_type     text NOT NULL DEFAULT 'BUSY'
);
CREATE INDEX instances_object ON instances (object_id);
CREATE INDEX instances_range ON instances (calendar_id, start_at, end_at);

-- The change log behind sync-collection (RFC 6578): the latest change of each
-- URI of a collection, deletions included. A sync only needs the latest state
-- of each resource, so a write replaces the URI's previous entry.
CREATE TABLE changes (
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    uri         text NOT NULL,
    revision    INTEGER NOT NULL,
    deleted     INTEGER NOT NULL,
    PRIMARY KEY (calendar_id, uri)
);
CREATE UNIQUE INDEX changes_revision ON changes (calendar_id, revision);

-- Dead properties set by clients, on collections (object_uri '') and objects.
CREATE TABLE properties (
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    object_uri  text NOT NULL,
    namespace   text NOT NULL,
    name        text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (calendar_id, object_uri, namespace, name)
);
