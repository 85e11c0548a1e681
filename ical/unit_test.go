package ical

import (
	"errors"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

func mustParse(t *testing.T, lines ...string) *goical.Calendar {
	t.Helper()
	cal, err := Parse([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func starts(t *testing.T, cal *goical.Calendar, s, e time.Time, opts Options) []string {
	t.Helper()
	ins, err := Expand(cal, s, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.Start.Format(time.RFC3339)
	}
	return out
}

func eq(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

func TestResolveWindowsTZIDs(t *testing.T) {
	for tzid, want := range map[string]string{
		"W. Europe Standard Time": "Europe/Berlin",
		" GMT Standard Time ":     "Europe/London",
		`"Pacific Standard Time"`: "America/Los_Angeles",
		"Eastern  Standard Time":  "America/New_York",
		"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Berlin",
		"(UTC-03:00) Brasília":                 "America/Sao_Paulo",
		"/mozilla.org/20050126_1/Europe/Paris": "Europe/Paris",
		"Europe_London":                        "Europe/London",
		"America-Chicago":                      "America/Chicago",
	} {
		loc, err := ResolveTZID(nil, tzid)
		if err != nil {
			t.Errorf("%q: %v", tzid, err)
			continue
		}
		ref, _ := time.LoadLocation(want)
		probe := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
		_, o1 := probe.In(loc).Zone()
		_, o2 := probe.In(ref).Zone()
		if o1 != o2 {
			t.Errorf("%q: offset %d, want %d (%s)", tzid, o1, o2, want)
		}
	}
	if loc, err := ResolveTZID(nil, "(UTC+05:30) Somewhere Unknown"); err != nil || loc.String() == "" {
		t.Errorf("fixed offset fallback: %v", err)
	} else if _, off := time.Now().In(loc).Zone(); off != 5*3600+1800 {
		t.Errorf("fixed offset %d", off)
	}
	if _, err := ResolveTZID(nil, "No Such Zone"); err == nil {
		t.Error("unknown zone resolved")
	}
}

// A custom zone known only from its VTIMEZONE, with DST rules given by
// RRULE in STANDARD/DAYLIGHT; go-ical would fail to load it.
func TestCustomVTimezone(t *testing.T) {
	cal := mustParse(t,
		"BEGIN:VTIMEZONE", "TZID:My Custom Zone",
		"BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
		"BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:a", "DTSTART;TZID=My Custom Zone:20240327T100000", "DURATION:PT1H",
		"RRULE:FREQ=WEEKLY;COUNT=2", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-03-27T09:00:00Z", "2024-04-03T08:00:00Z")
	info, err := Inspect(cal, Options{})
	if err != nil || len(info.Timezones) != 1 || info.Timezones[0] != "My Custom Zone" {
		t.Fatalf("%+v %v", info, err)
	}
	// RDATE-defined transitions (no RRULE).
	cal = mustParse(t,
		"BEGIN:VTIMEZONE", "TZID:Odd",
		"BEGIN:STANDARD", "DTSTART:20000101T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0300",
		"RDATE:20300101T000000", "END:STANDARD", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:b", "DTSTART;TZID=Odd:20240101T120000", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-01T09:00:00Z")
}

func TestDSTGapAndOverlap(t *testing.T) {
	// 02:30 does not exist on 2024-03-10 in New York: RFC 5545 §3.3.5
	// reads it with the offset before the gap, i.e. 03:30 EDT.
	cal := mustParse(t, "BEGIN:VEVENT", "UID:g", "DTSTART;TZID=America/New_York:20240309T023000",
		"RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}),
		"2024-03-09T07:30:00Z", "2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z")
	// 01:30 happens twice on 2024-11-03: the first (EDT) is meant.
	cal = mustParse(t, "BEGIN:VEVENT", "UID:o", "DTSTART;TZID=America/New_York:20241102T013000",
		"RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}),
		"2024-11-02T05:30:00Z", "2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z")
	// HOURLY steps in absolute time across the change.
	cal = mustParse(t, "BEGIN:VEVENT", "UID:h", "DTSTART;TZID=Europe/Berlin:20240331T000000",
		"RRULE:FREQ=HOURLY;INTERVAL=2;COUNT=3", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}),
		"2024-03-30T23:00:00Z", "2024-03-31T01:00:00Z", "2024-03-31T03:00:00Z")
}

func TestFloatingAndAllDay(t *testing.T) {
	cal := mustParse(t, "BEGIN:VEVENT", "UID:f", "DTSTART:20240101T090000", "END:VEVENT")
	ny, _ := time.LoadLocation("America/New_York")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{Floating: ny}), "2024-01-01T14:00:00Z")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-01T09:00:00Z")
	info, _ := Inspect(cal, Options{})
	if !info.Floating || info.AllDay {
		t.Fatalf("%+v", info)
	}
	// All-day EXDATE, multi-valued EXDATE and repeated EXDATE lines.
	cal = mustParse(t, "BEGIN:VEVENT", "UID:d", "DTSTART;VALUE=DATE:20240101", "RRULE:FREQ=DAILY;COUNT=6",
		"EXDATE;VALUE=DATE:20240102,20240103", "EXDATE;VALUE=DATE:20240105", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-01T00:00:00Z", "2024-01-04T00:00:00Z", "2024-01-06T00:00:00Z")
	ins, _ := Expand(cal, time.Time{}, time.Time{}, Options{})
	if !ins[0].AllDay || ins[0].End.Sub(ins[0].Start) != 24*time.Hour {
		t.Fatalf("%+v", ins[0])
	}
	// EXDATE in UTC against a zoned series matches by instant.
	cal = mustParse(t, "BEGIN:VEVENT", "UID:z", "DTSTART;TZID=Europe/Berlin:20240101T100000",
		"RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20240102T090000Z,20240103T090000Z", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-01T09:00:00Z")
}

func TestRDatePeriodAndThisAndFuture(t *testing.T) {
	cal := mustParse(t, "BEGIN:VEVENT", "UID:p", "DTSTART:20240101T100000Z", "DTEND:20240101T110000Z",
		"RDATE;VALUE=PERIOD:20240105T120000Z/20240105T150000Z,20240106T120000Z/PT30M", "END:VEVENT")
	ins, err := Expand(cal, time.Time{}, time.Time{}, Options{})
	if err != nil || len(ins) != 3 {
		t.Fatalf("%v %v", ins, err)
	}
	if d := ins[1].End.Sub(ins[1].Start); d != 3*time.Hour {
		t.Errorf("period end: %v", d)
	}
	if d := ins[2].End.Sub(ins[2].Start); d != 30*time.Minute {
		t.Errorf("period duration: %v", d)
	}
	cal = mustParse(t, "BEGIN:VEVENT", "UID:t", "DTSTART:20240101T100000Z", "DURATION:PT1H",
		"RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:old", "END:VEVENT",
		"BEGIN:VEVENT", "UID:t", "RECURRENCE-ID;RANGE=THISANDFUTURE:20240103T100000Z",
		"DTSTART:20240103T140000Z", "DURATION:PT2H", "SUMMARY:new", "END:VEVENT",
		"BEGIN:VEVENT", "UID:t", "RECURRENCE-ID:20240102T100000Z",
		"DTSTART:20240110T100000Z", "DURATION:PT1H", "SUMMARY:moved", "END:VEVENT")
	ins, err = Expand(cal, time.Time{}, time.Time{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, in.Start.Format("02T15")+"/"+summary(in))
	}
	eq(t, got, "01T10/old", "03T14/new", "04T14/new", "05T14/new", "10T10/moved")
	// The moved occurrence is found in its new place, not its old one.
	eq(t, starts(t, cal, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC), Options{}))
}

// TestHostileRulesAreBounded: rules that never or rarely match, expanded
// from DTSTART or for a window two thousand years later, stop at the
// iteration budget with a CondMaxInstances error — never later, and never
// with more than MaxInstances occurrences. The budget is counted in
// iterations, not time, so the test means the same on any machine. (Such
// series cannot be stored anyway: a PUT refuses a rule with more than
// max-instances occurrences up to the index horizon.)
func TestHostileRulesAreBounded(t *testing.T) {
	const budget = 20000
	for _, rule := range []string{
		"FREQ=SECONDLY",
		"FREQ=SECONDLY;COUNT=10000000",
		"FREQ=MINUTELY;BYSETPOS=5",
		"FREQ=HOURLY;INTERVAL=24;BYHOUR=10",
		"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
		"FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
		"FREQ=SECONDLY;BYMINUTE=5;BYSECOND=7",
	} {
		cal := mustParse(t, "BEGIN:VEVENT", "UID:x", "DTSTART:00010101T090000Z", "RRULE:"+rule, "END:VEVENT")
		opts := Options{MaxInstances: 1000, MaxIterations: budget, Deadline: time.Hour}
		for _, run := range []struct {
			name       string
			start, end time.Time
		}{
			{"unbounded", time.Time{}, time.Time{}},
			{"far window", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)},
		} {
			c := newCtx(cal, opts)
			series, err := collectSeries(cal)
			if err != nil {
				t.Fatal(err)
			}
			ins, _, err := c.expandSeries(series[0], run.start, run.end, opts.MaxInstances)
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Condition != CondMaxInstances) {
				t.Errorf("%s, %s: %v", rule, run.name, err)
			}
			if c.iters > budget+1 {
				t.Errorf("%s, %s: %d iterations, budget %d", rule, run.name, c.iters, budget)
			}
			if len(ins) > opts.MaxInstances {
				t.Errorf("%s, %s: %d instances", rule, run.name, len(ins))
			}
			if err == nil && len(ins) < opts.MaxInstances && c.iters > budget {
				t.Errorf("%s, %s: the budget ran out without an error", rule, run.name)
			}
		}
		if _, err := Inspect(cal, opts); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: Inspect: %v", rule, err)
			}
		}
	}
}

func TestInspect(t *testing.T) {
	cal := mustParse(t, "BEGIN:VEVENT", "UID:i", "DTSTART;TZID=Europe/Berlin:20240101T100000",
		"DTEND;TZID=Europe/Berlin:20240101T110000", "RRULE:FREQ=WEEKLY;COUNT=3", "STATUS:tentative",
		"TRANSP:TRANSPARENT", "ORGANIZER:mailto:a@example.com", "SEQUENCE:2", "END:VEVENT")
	info, err := Inspect(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.UID != "i" || !info.Recurring || !info.HasMaster || info.Status != "TENTATIVE" || !info.Transparent ||
		info.Sequence != 2 || info.Organizer != "mailto:a@example.com" ||
		info.LastEnd != time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC) || info.FirstStart != info.Start {
		t.Fatalf("%+v", info)
	}
	cal = mustParse(t, "BEGIN:VEVENT", "UID:u", "DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY", "END:VEVENT")
	if info, _ = Inspect(cal, Options{}); info.LastEnd != MaxTime {
		t.Fatalf("unbounded LastEnd %v", info.LastEnd)
	}
	// Overrides only: valid, HasMaster false.
	cal = mustParse(t, "BEGIN:VEVENT", "UID:o", "RECURRENCE-ID:20240102T100000Z", "DTSTART:20240102T120000Z", "END:VEVENT")
	if info, err = Inspect(cal, Options{}); err != nil || info.HasMaster || !info.Recurring {
		t.Fatalf("%+v %v", info, err)
	}
	for name, body := range map[string][]string{
		"METHOD":   {"METHOD:REQUEST", "BEGIN:VEVENT", "UID:a", "DTSTART:20240101T100000Z", "END:VEVENT"},
		"two UIDs": {"BEGIN:VEVENT", "UID:a", "DTSTART:20240101T100000Z", "END:VEVENT", "BEGIN:VEVENT", "UID:b", "DTSTART:20240101T100000Z", "END:VEVENT"},
		"mixed":    {"BEGIN:VEVENT", "UID:a", "DTSTART:20240101T100000Z", "END:VEVENT", "BEGIN:VTODO", "UID:a", "END:VTODO"},
		"empty":    {"X-FOO:bar"},
		"rid x2":   {"BEGIN:VEVENT", "UID:a", "RECURRENCE-ID:20240101T100000Z", "DTSTART:20240101T100000Z", "END:VEVENT", "BEGIN:VEVENT", "UID:a", "RECURRENCE-ID:20240101T100000Z", "DTSTART:20240101T100000Z", "END:VEVENT"},
	} {
		cal := mustParse(t, body...)
		_, err := Inspect(cal, Options{})
		var e *Error
		if !errors.As(err, &e) || e.Condition != CondValidObject {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = Parse([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:2024\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 4 || e.Condition != CondValidData {
		t.Fatalf("%v", err)
	}
}

func TestOverlapsTable(t *testing.T) {
	d := func(h int) time.Time { return time.Date(2024, 1, 1, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		comp string
		s    Span
		a, b time.Time
		want bool
	}{
		{"VEVENT", Span{Start: d(10), End: d(11), HasEnd: true}, d(11), d(12), false},
		{"VEVENT", Span{Start: d(10), End: d(11), HasEnd: true}, d(10), d(11), true},
		{"VEVENT", Span{Start: d(10), End: d(10)}, d(10), d(11), true},                // zero duration: start <= DTSTART
		{"VEVENT", Span{Start: d(10), End: d(10), HasEnd: true}, d(10), d(11), false}, // DTEND row: start < DTEND
		{"VEVENT", Span{Start: d(10), End: d(10)}, d(9), d(10), false},
		{"VEVENT", Span{Start: d(10), End: d(11)}, time.Time{}, time.Time{}, true},
		{"VTODO", Span{}, d(1), d(2), true},
		{"VTODO", Span{Due: d(10)}, d(9), d(10), true},
		{"VTODO", Span{Due: d(10)}, d(10), d(11), false},
		{"VTODO", Span{Start: d(5), Due: d(10)}, d(7), d(8), true},
		{"VTODO", Span{Created: d(5)}, d(1), d(5), false},
		{"VTODO", Span{Completed: d(5)}, d(5), d(6), true},
		{"VJOURNAL", Span{}, d(1), d(2), false},
		{"VJOURNAL", Span{Start: d(0), End: d(24), AllDay: true}, d(23), d(24), true},
		{"VFREEBUSY", Span{FreeBusy: [][2]time.Time{{d(3), d(4)}}}, d(4), d(5), false},
		{"VFREEBUSY", Span{FreeBusy: [][2]time.Time{{d(3), d(4)}}}, d(3), d(5), true},
		{"VALARM", Span{Triggers: []time.Time{d(9)}}, d(9), d(10), true},
		{"VALARM", Span{Triggers: []time.Time{d(9)}}, d(8), d(9), false},
	}
	for i, c := range cases {
		if got := Overlaps(c.comp, c.s, c.a, c.b); got != c.want {
			t.Errorf("case %d (%s): got %v", i, c.comp, got)
		}
	}
}

func TestExpandCalendar(t *testing.T) {
	cal := mustParse(t, "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "BEGIN:STANDARD", "DTSTART:19701025T030000",
		"TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:e", "DTSTART;TZID=Europe/Berlin:20240101T100000", "DTEND;TZID=Europe/Berlin:20240101T110000",
		"RRULE:FREQ=DAILY;COUNT=3", "EXDATE;TZID=Europe/Berlin:20240102T100000", "END:VEVENT")
	out, err := ExpandCalendar(cal, time.Time{}, time.Time{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Children) != 2 {
		t.Fatalf("%d children", len(out.Children))
	}
	c := out.Children[1]
	if c.Props.Get("RRULE") != nil || c.Props.Get("EXDATE") != nil || c.Props.Get("DTSTART").Value != "20240103T090000Z" ||
		c.Props.Get("DTEND").Value != "20240103T100000Z" || c.Props.Get("RECURRENCE-ID").Value != "20240103T090000Z" {
		t.Fatalf("%+v", c.Props)
	}
	if cal.Children[1].Props.Get("RRULE") == nil {
		t.Fatal("input modified")
	}
}
