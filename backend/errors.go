package backend

import (
	"errors"
	"fmt"
)

// Errors returned by stores. Stores wrap driver errors with %w at their
// boundary; callers test with errors.Is / errors.As.
var (
	// ErrNotFound: the principal, calendar or object does not exist.
	ErrNotFound = errors.New("backend: not found")
	// ErrExists: a principal, e-mail address or collection with that name
	// already exists.
	ErrExists = errors.New("backend: already exists")
	// ErrPreconditionFailed: an If-Match / If-None-Match / If-Schedule-Tag-Match
	// condition did not hold; nothing was written.
	ErrPreconditionFailed = errors.New("backend: precondition failed")
	// ErrInvalidSyncToken: a sync revision that this collection never issued.
	ErrInvalidSyncToken = errors.New("backend: invalid sync token")
	// ErrSchemaTooNew: the database was migrated by a newer Kalends.
	ErrSchemaTooNew = errors.New("backend: database schema is newer than this binary")
)

// UIDConflictError is returned when an object's UID is already used by
// another resource of the same calendar, or when a write would replace an
// object by one of another UID (RFC 4791 §5.3.2.1 no-uid-conflict).
type UIDConflictError struct {
	CalendarID int64
	URI        string // the resource that holds the UID, or the one whose UID would change
	Changed    bool   // the write would change the UID of the object at URI
}

func (e *UIDConflictError) Error() string {
	if e.Changed {
		return fmt.Sprintf("backend: %q holds another UID", e.URI)
	}
	return fmt.Sprintf("backend: UID already used by %q", e.URI)
}
