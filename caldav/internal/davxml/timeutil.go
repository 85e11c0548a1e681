package davxml

import (
	"fmt"
	"time"
)

// UTCDateTimeLayout is the layout of an iCalendar UTC DATE-TIME value
// (RFC 5545 §3.3.5 form #2), used by CalDAV time-range attributes.
const UTCDateTimeLayout = "20060102T150405Z"

// ParseUTCDateTime parses an iCalendar UTC DATE-TIME such as
// "20060104T140000Z". Local ("floating") times, dates and offsets are
// errors: RFC 4791 §9.9 requires time-range values in UTC.
func ParseUTCDateTime(s string) (time.Time, error) {
	if len(s) != len(UTCDateTimeLayout) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, fmt.Errorf("davxml: %q is not a UTC date-time of the form 20060102T150405Z", s)
	}
	t, err := time.Parse(UTCDateTimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("davxml: %q is not a valid UTC date-time: %w", s, err)
	}
	return t.UTC(), nil
}

// FormatUTCDateTime formats t, converted to UTC, as an iCalendar UTC
// DATE-TIME ("20060102T150405Z"); sub-second precision is dropped.
func FormatUTCDateTime(t time.Time) string {
	return t.UTC().Format(UTCDateTimeLayout)
}
