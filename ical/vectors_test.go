package ical

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

// vector is one entry of rrule-vectors.json (see its "conventions" key).
type vector struct {
	ID            string          `json:"id"`
	Group         string          `json:"group"`
	DTStart       string          `json:"dtstart"`
	TZID          string          `json:"tzid"`
	RRule         string          `json:"rrule"`
	ExDate        []string        `json:"exdate"`
	Truncated     bool            `json:"truncated"`
	ExpectedCount *int            `json:"expected_count"`
	Expected      []string        `json:"expected"`
	ExpectedError string          `json:"expected_error"`
	IterateFrom   string          `json:"iterate_from"`
	File          string          `json:"file"`
	Window        json.RawMessage `json:"window"`
	ExpectedDates []string        `json:"expected_dates"`
	AbsentDates   []string        `json:"expected_absent_dates"`
	ExpectedByDay []byDay         `json:"expected_by_day"`
	Checks        []check         `json:"checks"`
	ExpectedFirst string          `json:"expected_first"`
	ExpectedLast  string          `json:"expected_last"`
	ExpectedEnds  []string        `json:"expected_ends"`
}

type byDay struct {
	Day     string `json:"day"`
	Summary string `json:"summary"`
}

type check struct {
	Day           string     `json:"day"`
	Month         string     `json:"month"`
	Window        *rawWindow `json:"window"`
	At            string     `json:"at"`
	ExpectedCount *int       `json:"expected_count"`
	FirstStart    string     `json:"first_occurrence_start"`
	LastSummary   string     `json:"last_summary"`
	StartTime     string     `json:"start_time"`
	EndTime       string     `json:"end_time"`
}

type rawWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// knownVectorFailures lists vectors this package does not reproduce, with
// the reason. It is empty: every vector passes.
var knownVectorFailures = map[string]string{}

func loadVectors(t *testing.T) []vector {
	dir := corpusDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "rrule-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Vectors
}

func TestRRuleVectors(t *testing.T) {
	vectors := loadVectors(t)
	passed := 0
	for _, v := range vectors {
		v := v
		ok := t.Run(v.ID, func(t *testing.T) {
			if why, skip := knownVectorFailures[v.ID]; skip {
				t.Skip(why)
			}
			if v.Group == "corpus-file" {
				runFileVector(t, v)
			} else {
				runRuleVector(t, v)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("rrule vectors: %d/%d passed", passed, len(vectors))
}

// fmtLike formats an instant the way the vector writes values of the same
// kind as its DTSTART: DATE, floating, UTC or with an offset.
func fmtLike(t time.Time, dtstart string, loc *time.Location) string {
	val := dtstart[strings.LastIndexByte(dtstart, ':')+1:]
	switch {
	case len(val) == 8:
		return t.UTC().Format("2006-01-02")
	case strings.HasSuffix(val, "Z"):
		return t.UTC().Format("2006-01-02T15:04:05Z")
	case loc == nil:
		return t.UTC().Format("2006-01-02T15:04:05")
	}
	return t.In(loc).Format("2006-01-02T15:04:05-07:00")
}

func runRuleVector(t *testing.T, v vector) {
	body := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:v\r\n" + v.DTStart + "\r\n" + v.RRule + "\r\n"
	for _, ex := range v.ExDate {
		body += ex + "\r\n"
	}
	body += "END:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(body))
	if v.ExpectedError != "" {
		if err == nil {
			_, err = Expand(cal, time.Time{}, time.Time{}, Options{Deadline: testDeadline})
		}
		if err == nil {
			t.Fatalf("rule accepted, want error (%s)", v.ExpectedError)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var loc *time.Location
	if v.TZID != "" {
		loc, _ = time.LoadLocation(v.TZID)
	}
	want := v.Expected
	if v.Group == "libical-icalrecur" {
		want = rfcExpected(v)
	}
	opts := Options{Deadline: testDeadline}
	if v.Truncated {
		opts.MaxInstances = *v.ExpectedCount
		want = want[:*v.ExpectedCount]
	}
	ins, err := Expand(cal, time.Time{}, time.Time{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(ins))
	for i, in := range ins {
		got[i] = fmtLike(in.Start, v.DTStart, loc)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if v.IterateFrom != "" {
		from, _ := time.Parse("2006-01-02T15:04:05", v.IterateFrom)
		ins, err := Expand(cal, from, time.Time{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var tail []string
		for _, w := range want {
			if w >= v.IterateFrom {
				tail = append(tail, w)
			}
		}
		got := make([]string, len(ins))
		for i, in := range ins {
			got[i] = fmtLike(in.Start, v.DTStart, loc)
		}
		if strings.Join(got, " ") != strings.Join(tail, " ") {
			t.Fatalf("from %s: got %v\nwant %v", v.IterateFrom, got, tail)
		}
	}
}

// rfcExpected applies the corpus README rule for libical vectors: libical
// omits a DTSTART that does not match the rule, RFC 5545 counts it as the
// first instance (and toward COUNT).
func rfcExpected(v vector) []string {
	val := v.DTStart[strings.LastIndexByte(v.DTStart, ':')+1:]
	t, err := parseTimeValue(val, "", "")
	if err != nil || len(v.Expected) == 0 {
		return v.Expected
	}
	first := fmtLike(t.wall, v.DTStart, nil)
	if v.Expected[0] == first {
		return v.Expected
	}
	out := append([]string{first}, v.Expected...)
	if r, err := parseRecur(strings.TrimPrefix(v.RRule, "RRULE:")); err == nil && r.count > 0 && len(out) > r.count {
		out = out[:r.count]
	}
	return out
}

// fileZone is the zone naive window bounds are read in: the TZID of the
// first DTSTART in the file (the upstream suites use the event's zone).
func fileZone(cal *goical.Calendar) *time.Location {
	for _, comp := range cal.Children {
		if p := comp.Props.Get("DTSTART"); p != nil {
			if tz := p.Params.Get("TZID"); tz != "" {
				if loc, err := ResolveTZID(cal, tz); err == nil {
					return loc
				}
			}
		}
	}
	return time.UTC
}

func parseBound(s string, loc *time.Location) time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	panic("bad bound " + s)
}

func dayWindow(day string, loc *time.Location) (time.Time, time.Time) {
	s := parseBound(day[:10], loc)
	return s, s.AddDate(0, 0, 1)
}

func summary(in Instance) string {
	if p := in.Component.Props.Get("SUMMARY"); p != nil {
		return p.Value
	}
	return ""
}

func runFileVector(t *testing.T, v vector) {
	data, err := os.ReadFile(filepath.Join(corpusDir(t), v.File))
	if err != nil {
		t.Fatal(err)
	}
	cals, err := ParseStream(data)
	if err != nil {
		// khal's fixtures are bare VEVENTs; khal wraps them the same way.
		cals, err = ParseStream([]byte("BEGIN:VCALENDAR\n" + string(data) + "\nEND:VCALENDAR\n"))
	}
	if err != nil {
		t.Fatal(err)
	}
	cal := cals[0]
	loc := fileZone(cal)
	// Floating and all-day values are read in the same zone as the naive
	// window bounds, as the upstream suites do.
	expand := func(s, e time.Time) []Instance {
		ins, err := Expand(cal, s, e, Options{Floating: loc, Deadline: testDeadline})
		if err != nil {
			t.Fatal(err)
		}
		return ins
	}
	var ws, we time.Time
	var win string
	if len(v.Window) > 0 && json.Unmarshal(v.Window, &win) != nil {
		var rw rawWindow
		if err := json.Unmarshal(v.Window, &rw); err != nil {
			t.Fatal(err)
		}
		ws, we = parseBound(rw.Start, loc), parseBound(rw.End, loc)
	} else if strings.Contains(win, "whole day") {
		ws, we = dayWindow(win, loc)
	} else if strings.Contains(win, "(month)") {
		m, err := time.ParseInLocation("January 2006", strings.TrimSuffix(win, " (month)"), loc)
		if err != nil {
			t.Fatal(err)
		}
		ws, we = m, m.AddDate(0, 1, 0)
	}
	ins := expand(ws, we)
	describe := func(l []Instance) string {
		var b strings.Builder
		for _, in := range l {
			fmt.Fprintf(&b, "%s..%s %q\n", in.Start.In(loc).Format(time.RFC3339), in.End.In(loc).Format(time.RFC3339), summary(in))
		}
		return b.String()
	}
	if v.ExpectedCount != nil && len(v.Checks) == 0 && len(ins) != *v.ExpectedCount {
		t.Fatalf("got %d instances, want %d:\n%s", len(ins), *v.ExpectedCount, describe(ins))
	}
	onDay := func(day string) []Instance {
		s, e := dayWindow(day, loc)
		return expand(s, e)
	}
	for _, d := range v.ExpectedDates {
		if n := len(onDay(d)); n != 1 {
			t.Errorf("%s: %d instances, want 1", d, n)
		}
	}
	for _, d := range v.AbsentDates {
		if n := len(onDay(d)); n != 0 {
			t.Errorf("%s: %d instances, want 0", d, n)
		}
	}
	for _, bd := range v.ExpectedByDay {
		got := onDay(bd.Day)
		if len(got) != 1 || summary(got[0]) != bd.Summary {
			t.Errorf("%s: got %s, want one %q", bd.Day, describe(got), bd.Summary)
		}
	}
	if v.Expected != nil {
		var got []string
		for i, in := range ins {
			if len(v.Expected[0]) == 10 {
				got = append(got, in.Start.Format("2006-01-02"))
			} else {
				got = append(got, in.Start.In(loc).Format(time.RFC3339))
			}
			if i < len(v.ExpectedEnds) && in.End.In(loc).Format(time.RFC3339) != v.ExpectedEnds[i] {
				t.Errorf("end %d: got %s want %s", i, in.End.In(loc).Format(time.RFC3339), v.ExpectedEnds[i])
			}
		}
		if strings.Join(got, " ") != strings.Join(v.Expected, " ") {
			t.Errorf("got %v, want %v", got, v.Expected)
		}
	}
	if v.ExpectedFirst != "" && (len(ins) == 0 || ins[0].Start.In(loc).Format(time.RFC3339) != v.ExpectedFirst) {
		t.Errorf("first: got %s", describe(ins[:min(1, len(ins))]))
	}
	if v.ExpectedLast != "" && (len(ins) == 0 || ins[len(ins)-1].Start.In(loc).Format(time.RFC3339) != v.ExpectedLast) {
		t.Errorf("last: got %s", describe(ins[max(0, len(ins)-1):]))
	}
	for _, c := range v.Checks {
		var got []Instance
		switch {
		case c.Day != "":
			got = onDay(c.Day)
		case c.Month != "":
			m := parseBound(c.Month+"-01", loc)
			got = expand(m, m.AddDate(0, 1, 0))
		case c.Window != nil:
			got = expand(parseBound(c.Window.Start, loc), parseBound(c.Window.End, loc))
		case c.At != "":
			at := parseBound(c.At, loc)
			got = expand(at, at.Add(time.Second))
		}
		what := fmt.Sprintf("%+v", c)
		if c.ExpectedCount != nil && len(got) != *c.ExpectedCount {
			t.Errorf("%s: got %d instances, want %d:\n%s", what, len(got), *c.ExpectedCount, describe(got))
		}
		if c.FirstStart != "" && (len(got) == 0 || got[0].Start.In(loc).Format(time.RFC3339) != c.FirstStart) {
			t.Errorf("%s: got %s", what, describe(got))
		}
		if c.LastSummary != "" && (len(got) == 0 || summary(got[len(got)-1]) != c.LastSummary) {
			t.Errorf("%s: got %s", what, describe(got))
		}
		if c.StartTime != "" && (len(got) != 1 || got[0].Start.In(loc).Format("15:04") != c.StartTime || got[0].End.In(loc).Format("15:04") != c.EndTime) {
			t.Errorf("%s: got %s", what, describe(got))
		}
	}
}

// testDeadline replaces the 2 s wall-clock budget of Expand in tests that
// check results: under the race detector on a loaded machine a correct
// expansion may take longer, and these tests are about answers, not time
// (the hostile-rule tests keep the real budget).
const testDeadline = time.Minute
