package davxml

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed is matched (with errors.Is) by every error the request
	// decoders return for a body that cannot be accepted. Callers normally
	// answer 400 Bad Request.
	ErrMalformed = errors.New("davxml: malformed XML request body")
	// ErrUnexpectedRoot is matched, besides ErrMalformed, when the body is
	// well-formed but its root element is not the one the decoder expects.
	ErrUnexpectedRoot = errors.New("davxml: unexpected root element")
	// ErrTooLarge is matched, besides ErrMalformed, when the body exceeds a
	// limit of [Limits] (size, depth or element count).
	ErrTooLarge = errors.New("davxml: request body exceeds limits")
	// ErrEmptyBody is matched, besides ErrMalformed, when a body is required
	// but absent.
	ErrEmptyBody = errors.New("davxml: empty request body")
	// ErrInvalidFilter is matched, besides ErrMalformed, when a CalDAV filter
	// is not valid (RFC 4791 §7.7 and the CALDAV:valid-filter precondition).
	ErrInvalidFilter = errors.New("davxml: invalid CalDAV filter")
)

// malformed returns an error matching ErrMalformed with a reason.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// malformedKind returns an error matching both ErrMalformed and kind.
func malformedKind(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrMalformed, kind, fmt.Sprintf(format, args...))
}

// invalidFilter returns an error matching ErrMalformed and ErrInvalidFilter.
func invalidFilter(format string, args ...any) error {
	return malformedKind(ErrInvalidFilter, format, args...)
}
