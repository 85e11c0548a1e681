package ical

import (
	"strings"
	"testing"
)

func TestEncodeTextRoundTrip(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:rt-1\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;TZID=Europe/Berlin:20260301T100000\r\nSUMMARY:" + strings.Repeat("Grüße ", 30) + "\r\n" +
		"ATTENDEE;CN=\"Doe, Jane\";X-Q=\"a^'b\":mailto:jane@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out := EncodeText(cal)
	for _, line := range strings.Split(string(out), "\r\n") {
		if len(line) > 75 {
			t.Fatalf("line of %d octets: %q", len(line), line)
		}
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("encoded text does not parse: %v\n%s", err, out)
	}
	ev, ev2 := cal.Children[0], again.Children[0]
	if ev.Props.Get("SUMMARY").Value != ev2.Props.Get("SUMMARY").Value {
		t.Fatal("folded SUMMARY changed")
	}
	att := ev2.Props.Get("ATTENDEE")
	if att.Params.Get("CN") != "Doe, Jane" || att.Params.Get("X-Q") != `a^'b` || att.Value != "mailto:jane@example.com" {
		t.Fatalf("ATTENDEE params = %v", att.Params)
	}
	if ev2.Props.Get("DTSTART").Params.Get("TZID") != "Europe/Berlin" {
		t.Fatal("TZID lost")
	}
}
