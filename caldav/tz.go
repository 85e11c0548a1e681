package caldav

import (
	"fmt"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// setTimezone validates and sets CALDAV:calendar-timezone: an iCalendar
// object holding exactly one VTIMEZONE (RFC 4791 §5.2.2).
func setTimezone(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
	s := ""
	if !remove {
		s = v.TextContent()
		if err := calendar.ValidateTimezone(s); err != nil {
			return err
		}
	}
	u.Timezone = &s
	return nil
}

// setTimezoneID sets the calendar's time zone by name (RFC 7809 §5.2): the
// server writes the VTIMEZONE from its own tz database.
func setTimezoneID(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
	s := ""
	if !remove {
		id := strings.TrimSpace(v.TextContent())
		loc, err := ical.ResolveTZID(nil, id)
		if err != nil {
			return fmt.Errorf("unknown time zone %q", id)
		}
		s = ical.VCalendarTimezone(loc, id)
	}
	u.Timezone = &s
	return nil
}
