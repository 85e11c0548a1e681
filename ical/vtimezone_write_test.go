package ical

import (
	"testing"
	"time"
)

// TestVTimezoneRoundTrip: a VTIMEZONE generated from the tz database,
// evaluated back through our own VTIMEZONE reader, gives the same offsets
// as the tz database at every probe instant.
func TestVTimezoneRoundTrip(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
		"America/Sao_Paulo", "Pacific/Chatham", "UTC", "Africa/Casablanca"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		text := VCalendarTimezone(loc, "X-Test/"+name)
		cal, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("%s: generated VTIMEZONE does not parse: %v\n%s", name, err, text)
		}
		got, err := ResolveTZID(cal, "X-Test/"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for ts := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC); ts.Year() < 2036; ts = ts.Add(61*24*time.Hour + 7*time.Hour) {
			_, want := ts.In(loc).Zone()
			_, have := ts.In(got).Zone()
			if want != have {
				t.Fatalf("%s at %s: offset %d from the generated VTIMEZONE, %d from the tz database", name, ts, have, want)
			}
		}
	}
}
