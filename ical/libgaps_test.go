package ical

import (
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// These tests pin the library gaps this package works around. If one
// starts failing, the upstream library changed and the workaround may be
// revisited.

func TestGapGoICalTZIDIsLoadLocationOnly(t *testing.T) {
	p := goical.NewProp("DTSTART")
	p.Params.Set("TZID", "W. Europe Standard Time")
	p.Value = "20240101T100000"
	if _, err := p.DateTime(nil); err == nil {
		t.Fatal("go-ical now resolves Windows TZIDs")
	}
	if _, err := ResolveTZID(nil, "W. Europe Standard Time"); err != nil {
		t.Fatal(err)
	}
}

// go-ical's decoder refuses a leading byte-order mark ("expected BEGIN
// property, got \ufeffBEGIN"); Parse and ParseText skip it.
func TestGapGoICalRefusesBOM(t *testing.T) {
	data := utf8BOM + "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n" +
		"DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := goical.NewDecoder(strings.NewReader(data)).Decode(); err == nil {
		t.Fatal("go-ical now reads a leading BOM")
	}
	if _, err := Parse([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if ParseText([]byte(data)).Calendar() == nil {
		t.Fatal("ParseText does not see the VCALENDAR after a BOM")
	}
}

func TestGapGoICalMultiValuedEXDATE(t *testing.T) {
	cal := mustParse(t, "BEGIN:VEVENT", "UID:m", "DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY;COUNT=3",
		"EXDATE:20240102T100000Z,20240103T100000Z", "END:VEVENT")
	if _, err := cal.Children[0].RecurrenceSet(time.UTC); err == nil {
		t.Log("go-ical now accepts multi-valued EXDATE")
	}
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-01T10:00:00Z")
}

func TestGapRRuleGoWeeklyBySetPos(t *testing.T) {
	// rrule-go counts BYSETPOS over the days from DTSTART in the first
	// week; RFC 5545 over the whole week (libical vector 112).
	r, _ := rrule.NewRRule(rrule.ROption{Freq: rrule.WEEKLY, Count: 2, Bysetpos: []int{2, 3},
		Byweekday: []rrule.Weekday{rrule.MO, rrule.TU, rrule.TH, rrule.SA, rrule.SU},
		Dtstart:   time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)})
	if got := r.All(); len(got) == 2 && got[1].Day() == 6 {
		t.Log("rrule-go still counts positions from DTSTART")
	}
	cal := mustParse(t, "BEGIN:VEVENT", "UID:w", "DTSTART:20240102T120000",
		"RRULE:FREQ=WEEKLY;BYDAY=MO,TU,SU,SA,TH;BYSETPOS=3,2;COUNT=3", "END:VEVENT")
	eq(t, starts(t, cal, time.Time{}, time.Time{}, Options{}), "2024-01-02T12:00:00Z", "2024-01-04T12:00:00Z", "2024-01-09T12:00:00Z")
}

func TestGapRRuleGoZeroDTStartIsNow(t *testing.T) {
	r, _ := rrule.NewRRule(rrule.ROption{Freq: rrule.DAILY, Count: 1})
	if got := r.All(); len(got) == 1 && time.Since(got[0]) > time.Minute {
		t.Log("rrule-go no longer defaults DTSTART to now")
	}
	// We never hand rrule-go a zero DTSTART: a VTODO without DTSTART
	// recurs from its DUE, a component without either does not recur.
	cal := mustParse(t, "BEGIN:VTODO", "UID:t", "RRULE:FREQ=DAILY;COUNT=2", "END:VTODO")
	ins, err := Expand(cal, time.Time{}, time.Time{}, Options{})
	if err != nil || len(ins) != 1 || !ins[0].Start.IsZero() {
		t.Fatalf("%v %v", ins, err)
	}
}
