package caldav

import (
	"fmt"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// setTimezone validates and sets CALDAV:calendar-timezone: an iCalendar
// object holding exactly one VTIMEZONE (RFC 4791 §5.2.2).
func setTimezone(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
	s := ""
	if !remove {
		s = v.TextContent()
		if err := validateTimezone(s); err != nil {
			return err
		}
	}
	u.Timezone = &s
	return nil
}

func validateTimezone(s string) error {
	cal, err := ical.Parse([]byte(s))
	if err != nil {
		return fmt.Errorf("calendar-timezone is not iCalendar: %v", err)
	}
	n := 0
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" {
			return fmt.Errorf("calendar-timezone must hold only a VTIMEZONE, not %s", c.Name)
		}
		n++
	}
	if n != 1 {
		return fmt.Errorf("calendar-timezone must hold exactly one VTIMEZONE")
	}
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

// timezoneID returns the TZID of a calendar-timezone value, "" if none.
func timezoneID(vcal string) string {
	for _, line := range strings.Split(vcal, "\n") {
		if id, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "TZID:"); ok {
			return id
		}
	}
	return ""
}
