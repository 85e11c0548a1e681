package caldav

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// ImportStateName is the dead property in which `kalends import --from`
// keeps, per calendar, where the calendar was copied from and what it
// copied (source URL, sync-token, source ETags). It is Kalends' own
// bookkeeping, so it is an internal property: see isInternalProp.
var ImportStateName = xml.Name{Space: dx.NSKalends, Local: "import-state"}

// isInternalProp reports whether a dead property is bookkeeping kept by
// Kalends itself rather than by a client. Such properties are left out of
// allprop and propname answers (RFC 4918 §9.1 lets a server leave out what
// it would not want every client to download) and refused by PROPPATCH as
// protected (§16 DAV:cannot-modify-protected-property), so a client can
// neither stumble on them nor break them; asked for by name they are
// answered like any dead property.
func isInternalProp(name xml.Name) bool {
	return name.Space == dx.NSKalends && strings.HasPrefix(name.Local, "import-")
}

// ValidateTimezone checks a CALDAV:calendar-timezone value: an iCalendar
// object holding exactly one VTIMEZONE (RFC 4791 §5.2.2).
func ValidateTimezone(s string) error { return validateTimezone(s) }

// UpdateCalendar applies u to calendar c as a PROPPATCH would, for
// administration commands: the calendar-timezone is checked first, and the
// calendar's objects are re-indexed when the zone changes (floating times
// move with it, RFC 4791 §9.9). Dead properties in u are stored as given,
// internal ones included.
func (h *Handler) UpdateCalendar(ctx context.Context, c *backend.Calendar, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	if u.Timezone != nil && *u.Timezone != "" {
		if err := validateTimezone(*u.Timezone); err != nil {
			return nil, errorf(409, "%v", err)
		}
	}
	updated, err := h.store.UpdateCalendar(ctx, c.ID, u)
	if err != nil {
		return nil, err
	}
	if u.Timezone != nil && *u.Timezone != c.Timezone {
		if err := h.reindexCalendar(ctx, updated); err != nil {
			return nil, err
		}
	}
	return updated, nil
}
