package caldav

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/scheduling"
)

// Error is a protocol error: an HTTP status and, where an RFC defines one,
// the precondition or postcondition element for the DAV:error body (RFC 4918
// §16, RFC 4791 §1.3).
type Error struct {
	Status    int
	Condition xml.Name // zero: no DAV:error body, plain text instead
	Hrefs     []string // paths placed in the condition element (e.g. no-uid-conflict)
	Detail    string   // human-readable reason
}

func (e *Error) Error() string {
	if e.Condition.Local != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Condition.Local, e.Detail)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

// errorf builds an Error without a condition element.
func errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// conditionf builds an Error carrying a precondition element.
func conditionf(status int, cond xml.Name, format string, args ...any) *Error {
	return &Error{Status: status, Condition: cond, Detail: fmt.Sprintf(format, args...)}
}

// Precondition names used by handlers.
var (
	condValidCalendarData       = davxml.CalDAVName("valid-calendar-data")
	condValidCalendarObject     = davxml.CalDAVName("valid-calendar-object-resource")
	condSupportedCalendarData   = davxml.CalDAVName("supported-calendar-data")
	condSupportedComponent      = davxml.CalDAVName("supported-calendar-component")
	condNoUIDConflict           = davxml.CalDAVName("no-uid-conflict")
	condMaxResourceSize         = davxml.CalDAVName("max-resource-size")
	condCollectionLocationOK    = davxml.CalDAVName("calendar-collection-location-ok")
	condMaxInstances            = davxml.CalDAVName("max-instances")
	condValidFilter             = davxml.CalDAVName("valid-filter")
	condSupportedFilter         = davxml.CalDAVName("supported-filter")
	condSupportedCollation      = davxml.CalDAVName("supported-collation")
	condMinDateTime             = davxml.CalDAVName("min-date-time")
	condMaxDateTime             = davxml.CalDAVName("max-date-time")
	condNumberOfMatchesInLimits = davxml.DAVName("number-of-matches-within-limits")
	condValidSyncToken          = davxml.DAVName("valid-sync-token")
	condPropfindFiniteDepth     = davxml.DAVName("propfind-finite-depth")
	condResourceMustBeNull      = davxml.DAVName("resource-must-be-null")
	condNeedPrivileges          = davxml.DAVName("need-privileges")
	condSupportedReport         = davxml.DAVName("supported-report")
	condValidResourceType       = davxml.DAVName("valid-resourcetype")
	condCannotModifyProtected   = davxml.DAVName("cannot-modify-protected-property")
)

// writeError is the one error sink: the error is mapped (davError) and
// written with its status and DAV:error body; anything unmapped is logged
// and answered with a bare 500.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	de := h.davError(err)
	if de == nil {
		h.logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", logPath(r),
			"user", userName(r.Context()), "error", err)
		setLogError(r, "internal error")
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	setLogError(r, de.Error())
	if de.Condition.Local == "" {
		http.Error(w, de.Detail, de.Status)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(de.Status)
	hrefs := make([]string, len(de.Hrefs))
	for i, p := range de.Hrefs {
		hrefs[i] = davxml.EncodeHref(p)
	}
	davxml.WriteError(w, de.Condition, hrefs, de.Detail)
}

// davError is the one place where the errors of the layers below become
// protocol errors: the refusals of the application layer (calendar.Error)
// and of scheduling (RFC 6638 §3.2.4) with their precondition elements,
// and the store's errors. It returns nil for an error it does not know,
// an internal error.
func (h *Handler) davError(err error) *Error {
	var (
		de *Error
		ce *calendar.Error
		se *scheduling.Error
		ue *backend.UIDConflictError
	)
	switch {
	case errors.As(err, &de):
		return de
	case errors.As(err, &ce):
		return h.calendarError(ce)
	case errors.As(err, &se):
		status := se.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		return &Error{Status: status, Condition: davxml.CalDAVName(se.Condition), Detail: se.Reason}
	case errors.As(err, &ue):
		return &Error{Status: http.StatusForbidden, Condition: condNoUIDConflict, Detail: "the UID is already used in this calendar"}
	case errors.Is(err, backend.ErrNotFound):
		return errorf(http.StatusNotFound, "not found")
	case errors.Is(err, backend.ErrPreconditionFailed):
		return errorf(http.StatusPreconditionFailed, "the resource changed: precondition failed")
	case errors.Is(err, backend.ErrExists):
		return errorf(http.StatusConflict, "already exists")
	case errors.Is(err, backend.ErrInvalidName):
		return errorf(http.StatusForbidden, "%s", strings.TrimPrefix(err.Error(), "backend: "))
	case errors.Is(err, backend.ErrPropertyLimit):
		// RFC 4918 §9.2.1: 507, no room to record the property.
		return errorf(http.StatusInsufficientStorage, "%s", strings.TrimPrefix(err.Error(), "backend: "))
	case errors.Is(err, backend.ErrInvalidSyncToken):
		return conditionf(http.StatusForbidden, condValidSyncToken, "unknown or expired sync token")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		return errorf(499, "request cancelled")
	}
	return nil
}

// calendarError maps a refusal of the application layer to its status and
// precondition (RFC 4791 §5.3.2.1, RFC 6638 §3.2.4.1, RFC 7809): the code
// names the CALDAV: element, and every refusal is 403 but an object too
// large (413) and one outside a calendar, which no precondition names.
func (h *Handler) calendarError(ce *calendar.Error) *Error {
	de := &Error{Status: http.StatusForbidden, Detail: ce.Error()}
	switch ce.Code {
	case calendar.NotCalendar:
	case calendar.TooLarge:
		de.Status, de.Condition = http.StatusRequestEntityTooLarge, condMaxResourceSize
	default:
		de.Condition = davxml.CalDAVName(ce.Code.String())
	}
	if w := ce.Where; w != nil {
		de.Hrefs = []string{h.basePath() + collectionPath(w.Owner, w.Calendar) + w.URI}
	}
	return de
}

func userName(ctx context.Context) string {
	if u := currentUser(ctx); u != nil {
		return u.Name
	}
	return ""
}
