package ical

import (
	"testing"
	"time"
)

// TestExpandDenseRuleWindow: the two days before a range that Expand
// generates for long and moved occurrences hold 172,800 occurrences of a
// SECONDLY rule; they must not use up MaxInstances and leave the range
// itself empty (a calendar-query on an endless SECONDLY series found
// nothing).
func TestExpandDenseRuleWindow(t *testing.T) {
	cal, err := Parse([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:s\r\n" +
		"DTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	lo := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ins, err := Expand(cal, lo, lo.Add(10*time.Second), Options{MaxInstances: 1000})
	if err != nil || len(ins) != 10 || !ins[0].Start.Equal(lo) {
		t.Fatalf("got %d instances (%v), want the 10 seconds from %v", len(ins), err, lo)
	}
	ins, err = Expand(cal, lo, lo.Add(time.Hour), Options{MaxInstances: 1000})
	if err != nil || len(ins) != 1000 || !ins[0].Start.Equal(lo) {
		t.Fatalf("got %d instances (%v), want the first 1000 from %v", len(ins), err, lo)
	}
}
