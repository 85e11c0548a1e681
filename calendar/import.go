package calendar

import (
	"bytes"
	"context"
	"errors"

	"github.com/kalends/kalends/backend"
)

// ImportOutcome says what Import did with one calendar object.
type ImportOutcome int

const (
	ImportCreated   ImportOutcome = iota // a new resource
	ImportUpdated                        // the resource of that UID was replaced
	ImportUnchanged                      // the resource already held these bytes
)

func (o ImportOutcome) String() string {
	switch o {
	case ImportCreated:
		return "created"
	case ImportUpdated:
		return "updated"
	default:
		return "unchanged"
	}
}

// ImportResult is the outcome of importing one calendar object.
type ImportResult struct {
	Outcome ImportOutcome
	UID     string
	URI     string // the resource's name in the calendar
	ETag    string
}

// Import stores one calendar object resource (one UID with its overrides
// and VTIMEZONEs, as ical.SplitByUID gives) in calendar c with the checks
// of a PUT (RFC 4791 §4.1, §5.3.2.1), so an import cannot store what a
// client could not. It does no implicit scheduling: an import copies
// data, it does not send invitations. An existing resource of that UID is
// replaced in place, and one that already holds these bytes is left alone,
// so importing a file twice changes nothing the second time. A rejected
// object returns an *Error that says why (with the line when known).
func (s *Service) Import(ctx context.Context, c *backend.Calendar, data []byte) (*ImportResult, error) {
	obj, _, err := s.Prepare(c, "", data)
	if err != nil {
		return nil, err
	}
	// Two tries: a concurrent writer may create or change the UID's
	// resource between the lookup and the conditional write.
	for attempt := 0; ; attempt++ {
		old, err := s.store.ObjectByUID(ctx, c.ID, obj.UID)
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return nil, err
		}
		req := &backend.PutObjectRequest{CalendarID: c.ID, Object: obj}
		if old != nil {
			full, err := s.store.Object(ctx, c.ID, old.URI)
			if err != nil {
				return nil, err
			}
			if bytes.Equal(full.Data, obj.Data) {
				return &ImportResult{Outcome: ImportUnchanged, UID: obj.UID, URI: full.URI, ETag: full.ETag}, nil
			}
			obj.URI, req.IfMatch = full.URI, full.ETag
		} else {
			obj.URI, req.IfNoneMatch = ResourceName(obj.UID), true
		}
		res, err := s.store.PutObject(ctx, req)
		if attempt == 0 && (errors.Is(err, backend.ErrPreconditionFailed) || errors.Is(err, backend.ErrNotFound) || isUIDConflict(err)) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out := ImportUpdated
		if res.Created {
			out = ImportCreated
		}
		return &ImportResult{Outcome: out, UID: obj.UID, URI: obj.URI, ETag: res.ETag}, nil
	}
}

func isUIDConflict(err error) bool {
	var c *backend.UIDConflictError
	return errors.As(err, &c)
}
