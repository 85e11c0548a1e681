-- +goose Up
-- Dead properties of calendar homes (RFC 4918 §4.2), which clients set
-- there (Apple Calendar's default-alarm-vevent-date and -datetime).
CREATE TABLE home_properties (
    principal_id BIGINT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    namespace    text NOT NULL,
    name         text NOT NULL,
    value        text NOT NULL,
    PRIMARY KEY (principal_id, namespace, name)
);

-- +goose Down
DROP TABLE home_properties;
