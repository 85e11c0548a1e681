package ical

import (
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// ParsePeriodValue reads one PERIOD value (RFC 5545 §3.3.9), start/end or
// start/duration, floating times in loc.
func ParsePeriodValue(v string, loc *time.Location) (start, end time.Time, ok bool) {
	a, z, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	s, _, ok := ParseTimeValue(a, loc)
	if !ok {
		return s, s, false
	}
	if d, ok := ParseDurationValue(z); ok {
		return s, s.Add(d), true
	}
	e, _, ok := ParseTimeValue(z, loc)
	return s, e, ok && !e.Before(s)
}

// ParseTimeValue parses a DATE ("20060102"), a UTC DATE-TIME or a local
// DATE-TIME (read in loc), returned in UTC, and reports whether it was a
// DATE.
func ParseTimeValue(v string, loc *time.Location) (t time.Time, isDate, ok bool) {
	switch {
	case len(v) == 8:
		t, err := time.ParseInLocation("20060102", v, loc)
		return t.UTC(), true, err == nil
	case len(v) == 16 && v[15] == 'Z':
		t, err := time.Parse("20060102T150405Z", v)
		return t.UTC(), false, err == nil
	case len(v) == 15:
		t, err := time.ParseInLocation("20060102T150405", v, loc)
		return t.UTC(), false, err == nil
	}
	return time.Time{}, false, false
}

// ParseDurationValue reads a DURATION value (RFC 5545 §3.3.6); days count
// as 24 hours, which is what trigger and period arithmetic in UTC needs.
func ParseDurationValue(v string) (time.Duration, bool) {
	p := goical.Prop{Name: "DURATION", Value: strings.TrimSpace(v), Params: goical.Params{}}
	d, err := p.Duration()
	return d, err == nil
}

// FormatUTC writes an instant as a UTC DATE-TIME value.
func FormatUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
