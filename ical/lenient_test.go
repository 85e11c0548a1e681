package ical

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func calText(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// event wraps body lines in a VCALENDAR holding one VEVENT.
func event(body ...string) []byte {
	l := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:test", "BEGIN:VEVENT", "UID:u", "DTSTART:20240101T100000Z"}
	l = append(l, body...)
	return calText(append(l, "END:VEVENT", "END:VCALENDAR")...)
}

// TestLenientRepairs checks each repair of ParseWithWarnings: the data is
// accepted, the warning names the repair and its line, and the parsed
// copy holds the repaired value.
func TestLenientRepairs(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		line int
		warn string
		prop string // property of the VEVENT to check, "" for none
		want string // its repaired value; "-" if it must be absent
	}{
		{"misspelt END", calText("BEGIN:VCALENDAR", "BEGIN:VTODO", "UID:t", "END:VTOOD", "END:VCALENDAR"),
			4, "END:VTOOD read as END:VTODO", "", ""},
		{"fold without space", event("ORGANIZER;CN=Danie", "l Latham:mailto:d@example.com"),
			8, "continuation of line 7", "ORGANIZER", "mailto:d@example.com"},
		{"params without value", event("ORGANIZER;CN=Sixt SE"),
			7, "ORGANIZER has parameters but no colon", "ORGANIZER", "-"},
		{"equals for colon", event("SUMMARY=testevent"),
			7, `"=" instead of a colon`, "SUMMARY", "-"},
		{"empty line in fold", calText("BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID", "", " :u", "DTSTART:20240101T100000Z", "SUMMARY", "", "", " :x", "END:VEVENT", "END:VCALENDAR"),
			4, "empty line inside a folded content line", "SUMMARY", "x"},
		{"empty line in object", event("", "SUMMARY:x"),
			7, "empty line inside VEVENT ignored", "SUMMARY", "x"},
		{"trailing property", append(event(), "X-COMMENT:cached\r\n"...),
			9, "X-COMMENT after END:VCALENDAR ignored", "", ""},
		{"DATE with Z", event("RDATE:20240105Z,20240106"),
			7, "20240105Z is a DATE with a Z suffix", "RDATE", "20240105,20240106"},
		{"four-digit time", event("DTSTAMP:19970901T1300Z"),
			7, "has a 4-digit time", "DTSTAMP", "19970901T130000Z"},
		{"five-digit time in a period", event("RDATE;VALUE=PERIOD:20240105T10300Z/PT1H"),
			7, "has a 5-digit time", "RDATE", "20240105T103000Z/PT1H"},
		{"TZOFFSETFROM out of range", calText("BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", "TZID:X", "BEGIN:STANDARD",
			"DTSTART:18930401T000000", "TZOFFSETFROM:+5328", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE",
			"BEGIN:VEVENT", "UID:u", "DTSTART;TZID=X:20240101T100000", "END:VEVENT", "END:VCALENDAR"),
			6, "TZOFFSETFROM +5328 is out of range; TZOFFSETTO +0100 used", "", ""},
		{"RSCALE", event("RRULE:RSCALE=HEBREW;FREQ=YEARLY;BYMONTH=5L;BYMONTHDAY=8;SKIP=FORWARD"),
			7, "RSCALE=HEBREW (RFC 7529), which is not supported", "RRULE", "RSCALE=HEBREW;FREQ=YEARLY;BYMONTH=5L;BYMONTHDAY=8;SKIP=FORWARD"},
		{"SKIP", event("RRULE:RSCALE=GREGORIAN;FREQ=YEARLY;SKIP=FORWARD"),
			7, "SKIP=FORWARD (RFC 7529) is not supported", "", ""},
	} {
		cal, warns, err := ParseWithWarnings(tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		found := false
		for _, w := range warns {
			found = found || w.Line == tc.line && strings.Contains(w.Reason, tc.warn)
		}
		if !found {
			t.Errorf("%s: want a warning on line %d containing %q, got %v", tc.name, tc.line, tc.warn, warns)
		}
		if tc.prop == "" {
			continue
		}
		var got string
		for _, c := range cal.Children {
			if c.Name == "VEVENT" {
				if p := c.Props.Get(tc.prop); p != nil {
					got = p.Value
				} else {
					got = "-"
				}
			}
		}
		if got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.prop, got, tc.want)
		}
	}
}

// TestLenientLimits checks the defects next to each repair that must
// still be rejected with a line number, because their meaning is open.
func TestLenientLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		line int
	}{
		{"bare word", calText("BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:u", "DTSTART:20240101T100000Z", "END:VEVENT", "X", "END:VCALENDAR"), 6},
		{"bare word after a property", event("SUMMARY:a", "word"), 8},
		{"no fold after BEGIN", calText("BEGIN:VCALENDAR", "BEGIN:VEVENT", "l Latham:x", "END:VEVENT", "END:VCALENDAR"), 3},
		{"END of an outer component", calText("BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:u", "END:VCALENDAR"), 4},
		{"END two typos away", calText("BEGIN:VCALENDAR", "BEGIN:VTODO", "UID:u", "END:VTDOX", "END:VCALENDAR"), 4},
		{"END of another kind", calText("BEGIN:VCALENDAR", "BEGIN:VTODO", "UID:u", "END:VEVENT", "END:VCALENDAR"), 4},
		{"continuation after an empty first line", calText("", " :x", "BEGIN:VCALENDAR", "END:VCALENDAR"), 2},
		{"property before VCALENDAR", calText("X-A:b", "BEGIN:VCALENDAR", "END:VCALENDAR"), 1},
		{"BEGIN=", calText("BEGIN:VCALENDAR", "BEGIN=VEVENT", "END:VCALENDAR"), 2},
		{"three-digit time", event("DTEND:20240101T100Z"), 7},
		{"TZOFFSETTO out of range", calText("BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", "TZID:X", "BEGIN:STANDARD",
			"DTSTART:18500101T000000", "TZOFFSETFROM:+5744", "TZOFFSETTO:+5744", "END:STANDARD", "END:VTIMEZONE", "END:VCALENDAR"), 7},
		{"TZOFFSETFROM garbage", calText("BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", "TZID:X", "BEGIN:STANDARD",
			"DTSTART:18500101T000000", "TZOFFSETFROM:+1:00", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE", "END:VCALENDAR"), 6},
		{"RSCALE with unknown FREQ", event("RRULE:RSCALE=CHINESE;FREQ=SOMETIMES"), 7},
		{"leap month without RSCALE", event("RRULE:FREQ=YEARLY;BYMONTH=5L"), 7},
		{"month 13 without RSCALE", event("RRULE:FREQ=YEARLY;BYMONTH=13"), 7},
	} {
		_, warns, err := ParseStreamWithWarnings(tc.data)
		var e *Error
		if !errors.As(err, &e) || e.Line != tc.line || e.Reason == "" {
			t.Errorf("%s: want an error on line %d, got %v (warnings %v)", tc.name, tc.line, err, warns)
		}
	}
}

// TestRScaleExpandsDTSTARTOnly pins the documented RFC 7529 limitation:
// a non-Gregorian rule yields its DTSTART, never an error, and Inspect
// keeps the series open-ended so that range queries still find it.
func TestRScaleExpandsDTSTARTOnly(t *testing.T) {
	cal, err := Parse(calText("BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:cny", "DTSTART;VALUE=DATE:20130210",
		"RRULE:RSCALE=CHINESE;FREQ=YEARLY", "END:VEVENT", "END:VCALENDAR"))
	if err != nil {
		t.Fatal(err)
	}
	ins, err := Expand(cal, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Options{Deadline: testDeadline})
	if err != nil || len(ins) != 1 || !ins[0].Start.Equal(time.Date(2013, 2, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v, %v", ins, err)
	}
	info, err := Inspect(cal, Options{Deadline: testDeadline})
	if err != nil || !info.Recurring || !info.LastEnd.Equal(MaxTime) {
		t.Fatalf("got %+v, %v", info, err)
	}
}

func TestOneTypo(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"VTOOD", "VTODO", true}, {"VEVNT", "VEVENT", true}, {"VEVENTT", "VEVENT", true},
		{"VEVANT", "VEVENT", true}, {"VEVENT", "VEVENT", false}, {"VTODO", "VEVENT", false},
		{"VDOTO", "VTODO", false}, {"", "VTODO", false}, {"VTIMEZONEXX", "VTIMEZONE", false},
	} {
		if got := oneTypo(tc.a, tc.b); got != tc.want {
			t.Errorf("oneTypo(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
