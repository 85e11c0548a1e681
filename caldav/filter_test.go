package caldav

import (
	"testing"
	"time"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// wrap builds a one-component calendar object around body lines.
func wrap(comp, body string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:" + comp + "\r\nUID:x\r\nDTSTAMP:20060101T000000Z\r\n" +
		body + "END:" + comp + "\r\nEND:VCALENDAR\r\n"
}

func utc(s string) time.Time {
	t, err := dx.ParseUTCDateTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// rangeFilter is VCALENDAR > comp with a time range.
func rangeFilter(comp, start, end string) *dx.CompFilter {
	tr := &dx.TimeRange{}
	if start != "" {
		tr.Start = utc(start)
	}
	if end != "" {
		tr.End = utc(end)
	}
	return &dx.CompFilter{Name: "VCALENDAR", CompFilters: []dx.CompFilter{{Name: comp, TimeRange: tr}}}
}

func match(t *testing.T, ics string, f *dx.CompFilter) bool {
	t.Helper()
	cal, err := ical.Parse([]byte(ics))
	if err != nil {
		t.Fatal(err)
	}
	return matchFilter(cal, f, ical.Options{})
}

// TestTimeRangeRules checks each row of the RFC 4791 §9.9 tables against
// the range [2006-01-04, 2006-01-05), boundaries included.
func TestTimeRangeRules(t *testing.T) {
	const S, E = "20060104T000000Z", "20060105T000000Z"
	cases := []struct {
		name, comp, body string
		want             bool
	}{
		{"VEVENT DTEND overlapping", "VEVENT", "DTSTART:20060103T230000Z\r\nDTEND:20060104T010000Z\r\n", true},
		{"VEVENT DTEND ending at start", "VEVENT", "DTSTART:20060103T230000Z\r\nDTEND:20060104T000000Z\r\n", false},
		{"VEVENT DURATION starting at end", "VEVENT", "DTSTART:20060105T000000Z\r\nDURATION:PT1H\r\n", false},
		{"VEVENT zero DURATION at start", "VEVENT", "DTSTART:20060104T000000Z\r\nDURATION:PT0S\r\n", true},
		{"VEVENT DTEND=DTSTART at start", "VEVENT", "DTSTART:20060104T000000Z\r\nDTEND:20060104T000000Z\r\n", false},
		{"VEVENT all-day default length", "VEVENT", "DTSTART;VALUE=DATE:20060104\r\n", true},
		{"VEVENT all-day the day before", "VEVENT", "DTSTART;VALUE=DATE:20060103\r\n", false},
		{"VEVENT recurring, one instance inside", "VEVENT", "DTSTART:20060101T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=5\r\n", true},
		{"VEVENT recurring, excluded instance", "VEVENT", "DTSTART:20060101T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20060104T100000Z\r\n", false},
		{"VTODO row 1 DTSTART+DURATION", "VTODO", "DTSTART:20060103T230000Z\r\nDURATION:PT2H\r\n", true},
		{"VTODO row 1 ending at start", "VTODO", "DTSTART:20060103T230000Z\r\nDURATION:PT1H\r\n", true},
		{"VTODO row 1 before", "VTODO", "DTSTART:20060103T200000Z\r\nDURATION:PT1H\r\n", false},
		{"VTODO row 2 DTSTART+DUE due at start", "VTODO", "DTSTART:20060103T220000Z\r\nDUE:20060104T000000Z\r\n", false},
		{"VTODO row 2 both at start", "VTODO", "DTSTART:20060104T000000Z\r\nDUE:20060104T000000Z\r\n", true},
		{"VTODO row 3 DTSTART at start", "VTODO", "DTSTART:20060104T000000Z\r\n", true},
		{"VTODO row 3 DTSTART at end", "VTODO", "DTSTART:20060105T000000Z\r\n", false},
		{"VTODO row 4 DUE at end", "VTODO", "DUE:20060105T000000Z\r\n", true},
		{"VTODO row 4 DUE at start", "VTODO", "DUE:20060104T000000Z\r\n", false},
		{"VTODO row 5 CREATED..COMPLETED spanning", "VTODO", "CREATED:20060101T000000Z\r\nCOMPLETED:20060110T000000Z\r\n", true},
		{"VTODO row 5 before", "VTODO", "CREATED:20060101T000000Z\r\nCOMPLETED:20060102T000000Z\r\n", false},
		{"VTODO row 6 COMPLETED inside", "VTODO", "COMPLETED:20060104T120000Z\r\n", true},
		{"VTODO row 6 COMPLETED before", "VTODO", "COMPLETED:20060103T120000Z\r\n", false},
		{"VTODO row 7 CREATED before end", "VTODO", "CREATED:20060104T120000Z\r\n", true},
		{"VTODO row 7 CREATED after", "VTODO", "CREATED:20060106T000000Z\r\n", false},
		{"VTODO row 8 no dates", "VTODO", "SUMMARY:someday\r\n", true},
		{"VJOURNAL date-time at start", "VJOURNAL", "DTSTART:20060104T000000Z\r\n", true},
		{"VJOURNAL date the day before", "VJOURNAL", "DTSTART;VALUE=DATE:20060103\r\n", false},
		{"VJOURNAL date inside", "VJOURNAL", "DTSTART;VALUE=DATE:20060104\r\n", true},
		{"VJOURNAL no DTSTART", "VJOURNAL", "SUMMARY:x\r\n", false},
		{"VFREEBUSY periods only", "VFREEBUSY", "FREEBUSY:20060104T100000Z/PT1H\r\n", true},
		{"VFREEBUSY periods outside", "VFREEBUSY", "FREEBUSY:20060106T100000Z/PT1H\r\n", false},
	}
	for _, c := range cases {
		if got := match(t, wrap(c.comp, c.body), rangeFilter(c.comp, S, E)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Open-ended ranges.
	if !match(t, wrap("VEVENT", "DTSTART:20300101T000000Z\r\nDURATION:PT1H\r\n"), rangeFilter("VEVENT", S, "")) {
		t.Errorf("open end: no match")
	}
}

// TestAlarmAndOverrideFilters checks VALARM triggers per occurrence and
// that a prop-filter matches when an override satisfies it.
func TestAlarmAndOverrideFilters(t *testing.T) {
	ev := wrap("VEVENT", "DTSTART:20060101T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=10\r\nSUMMARY:Daily\r\n"+
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n")
	ev = ev[:len(ev)-len("END:VCALENDAR\r\n")] + "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20060101T000000Z\r\nRECURRENCE-ID:20060103T100000Z\r\n" +
		"DTSTART:20060103T150000Z\r\nDURATION:PT1H\r\nSUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	alarm := func(start, end string) *dx.CompFilter {
		return &dx.CompFilter{Name: "VCALENDAR", CompFilters: []dx.CompFilter{{Name: "VEVENT",
			CompFilters: []dx.CompFilter{{Name: "VALARM", TimeRange: &dx.TimeRange{Start: utc(start), End: utc(end)}}}}}}
	}
	if !match(t, ev, alarm("20060108T094000Z", "20060108T095000Z")) {
		t.Errorf("alarm of the 8th occurrence not found")
	}
	if match(t, ev, alarm("20060112T094000Z", "20060112T095000Z")) {
		t.Errorf("alarm after the last occurrence matched")
	}
	summary := func(text string) *dx.CompFilter {
		return &dx.CompFilter{Name: "VCALENDAR", CompFilters: []dx.CompFilter{{Name: "VEVENT",
			PropFilters: []dx.PropFilter{{Name: "SUMMARY", TextMatch: &dx.TextMatch{Text: text, Collation: "i;ascii-casemap"}}}}}}
	}
	if !match(t, ev, summary("moved")) || match(t, ev, summary("weekly")) {
		t.Errorf("override SUMMARY not matched")
	}
	// Time range and prop-filter must hold for the same occurrence.
	both := summary("moved")
	both.CompFilters[0].TimeRange = &dx.TimeRange{Start: utc("20060105T000000Z"), End: utc("20060106T000000Z")}
	if match(t, ev, both) {
		t.Errorf("override outside the range matched through another occurrence")
	}
	both.CompFilters[0].TimeRange = &dx.TimeRange{Start: utc("20060103T140000Z"), End: utc("20060103T160000Z")}
	if !match(t, ev, both) {
		t.Errorf("moved override not matched in its new slot")
	}
}

// TestTextAndParamMatch covers collations, negate-condition,
// is-not-defined and param-filters.
func TestTextAndParamMatch(t *testing.T) {
	tm := func(text, coll string, neg bool) *dx.TextMatch {
		return &dx.TextMatch{Text: text, Collation: coll, NegateCondition: neg}
	}
	cases := []struct {
		tm   *dx.TextMatch
		s    string
		want bool
	}{
		{tm("steelers", "i;ascii-casemap", false), "Go Steelers!", true},
		{tm("steelers", "i;octet", false), "Go Steelers!", false},
		{tm("Steelers", "i;octet", false), "Go Steelers!", true},
		{tm("ÉTÉ", "i;ascii-casemap", false), "été", false},
		{tm("ÉTÉ", "i;unicode-casemap", false), "été", true},
		{tm("strasse", "i;unicode-casemap", false), "Straße", true},
		{tm("CANCELLED", "i;ascii-casemap", true), "NEEDS-ACTION", true},
		{tm("CANCELLED", "i;ascii-casemap", true), "cancelled", false},
	}
	for _, c := range cases {
		if got := textMatch(c.tm, c.s); got != c.want {
			t.Errorf("%+v on %q: %v, want %v", *c.tm, c.s, got, c.want)
		}
	}
	ev := wrap("VEVENT", "DTSTART:20060104T100000Z\r\nSUMMARY:Lunch\\, then talk\r\n"+
		"ATTENDEE;PARTSTAT=ACCEPTED;CN=Cyrus:mailto:cyrus@example.com\r\nATTENDEE;RSVP=TRUE:mailto:lisa@example.com\r\n")
	pf := func(p dx.PropFilter) *dx.CompFilter {
		return &dx.CompFilter{Name: "VCALENDAR", CompFilters: []dx.CompFilter{{Name: "VEVENT", PropFilters: []dx.PropFilter{p}}}}
	}
	checks := []struct {
		name string
		f    dx.PropFilter
		want bool
	}{
		{"escaped comma", dx.PropFilter{Name: "SUMMARY", TextMatch: tm("lunch, then", "i;ascii-casemap", false)}, true},
		{"is-not-defined absent", dx.PropFilter{Name: "LOCATION", IsNotDefined: true}, true},
		{"is-not-defined present", dx.PropFilter{Name: "SUMMARY", IsNotDefined: true}, false},
		{"exists", dx.PropFilter{Name: "ATTENDEE"}, true},
		{"param on same attendee", dx.PropFilter{Name: "ATTENDEE", TextMatch: tm("lisa", "i;ascii-casemap", false),
			ParamFilters: []dx.ParamFilter{{Name: "PARTSTAT", TextMatch: tm("ACCEPTED", "i;ascii-casemap", false)}}}, false},
		{"param is-not-defined", dx.PropFilter{Name: "ATTENDEE", TextMatch: tm("lisa", "i;ascii-casemap", false),
			ParamFilters: []dx.ParamFilter{{Name: "PARTSTAT", IsNotDefined: true}}}, true},
		{"param exists", dx.PropFilter{Name: "ATTENDEE", ParamFilters: []dx.ParamFilter{{Name: "CN"}}}, true},
		{"param negated", dx.PropFilter{Name: "ATTENDEE", ParamFilters: []dx.ParamFilter{{Name: "CN", TextMatch: tm("cyrus", "i;ascii-casemap", true)}}}, false},
		{"DTSTART time-range", dx.PropFilter{Name: "DTSTART", TimeRange: &dx.TimeRange{Start: utc("20060104T100000Z"), End: utc("20060104T110000Z")}}, true},
		{"DTSTART time-range after", dx.PropFilter{Name: "DTSTART", TimeRange: &dx.TimeRange{Start: utc("20060104T100001Z")}}, false},
	}
	for _, c := range checks {
		if got := match(t, ev, pf(c.f)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// A comp-filter is-not-defined and a missing component.
	f := &dx.CompFilter{Name: "VCALENDAR", CompFilters: []dx.CompFilter{{Name: "VTODO", IsNotDefined: true}}}
	if !match(t, ev, f) {
		t.Errorf("VTODO is-not-defined on an event object")
	}
	if checkFilter(pf(dx.PropFilter{Name: "X", TextMatch: tm("a", "i;nope", false)}), "") == nil {
		t.Errorf("unknown collation accepted")
	}
}

// TestValidFilterShapes: the filters RFC 4791's examples and clients send
// pass checkFilter; the shapes that can never match are refused with
// valid-filter (the refusals over HTTP: TestCalendarQueryBadInput).
func TestValidFilterShapes(t *testing.T) {
	tr := &dx.TimeRange{Start: utc("20060104T000000Z")}
	comp := func(name string, r *dx.TimeRange, kids ...dx.CompFilter) dx.CompFilter {
		return dx.CompFilter{Name: name, TimeRange: r, CompFilters: kids}
	}
	prop := func(name string) dx.CompFilter {
		return dx.CompFilter{Name: "VEVENT", PropFilters: []dx.PropFilter{{Name: name, TimeRange: tr}}}
	}
	top := func(kids ...dx.CompFilter) *dx.CompFilter { f := comp("VCALENDAR", nil, kids...); return &f }
	good := map[string]*dx.CompFilter{
		"VEVENT with a time-range":        top(comp("VEVENT", tr)),
		"VALARM in VTODO with a range":    top(comp("VTODO", nil, comp("VALARM", tr))),
		"VTIMEZONE with STANDARD":         top(comp("VTIMEZONE", nil, comp("STANDARD", nil))),
		"AVAILABLE in VAVAILABILITY":      top(comp("VAVAILABILITY", tr, comp("AVAILABLE", tr))),
		"an X- component without a range": top(comp("VEVENT", nil, comp("X-THING", nil))),
		"time-range on DTSTART":           top(prop("DTSTART")),
		"time-range on an X- property":    top(prop("X-WHEN")),
		"time-range on lower-case due":    top(prop("due")),
	}
	for name, f := range good {
		if err := checkFilter(f, ""); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]*dx.CompFilter{
		"VTODO in VEVENT":        top(comp("VEVENT", nil, comp("VTODO", nil))),
		"VALARM in VJOURNAL":     top(comp("VJOURNAL", nil, comp("VALARM", nil))),
		"DAYLIGHT in VEVENT":     top(comp("VEVENT", nil, comp("DAYLIGHT", nil))),
		"time-range on DAYLIGHT": top(comp("VTIMEZONE", nil, comp("DAYLIGHT", tr))),
		"time-range on LOCATION": top(prop("LOCATION")),
		"a nested VCALENDAR":     top(comp("VEVENT", nil, comp("VCALENDAR", nil))),
	}
	for name, f := range bad {
		if err := checkFilter(f, ""); err == nil || err.(*Error).Condition != condValidFilter {
			t.Errorf("%s: %v, want valid-filter", name, err)
		}
	}
}
