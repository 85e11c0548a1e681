package calendar

import "github.com/kalends/kalends/ical"

// ValidateTimezone checks a CALDAV:calendar-timezone value: an iCalendar
// object holding exactly one VTIMEZONE (RFC 4791 §5.2.2). It returns an
// Error with code InvalidTimezone.
func ValidateTimezone(s string) error {
	cal, err := ical.Parse([]byte(s))
	if err != nil {
		return errorf(InvalidTimezone, "calendar-timezone is not iCalendar: %v", err)
	}
	n := 0
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" {
			return errorf(InvalidTimezone, "calendar-timezone must hold only a VTIMEZONE, not %s", c.Name)
		}
		n++
	}
	if n != 1 {
		return errorf(InvalidTimezone, "calendar-timezone must hold exactly one VTIMEZONE")
	}
	return nil
}
