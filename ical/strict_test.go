package ical

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const strictBase = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:s\r\n" +
	"DTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\nDURATION:PT1H\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// TestStrictValues: the invalid data of issue 11 item 11 is refused by
// Parse or Inspect with the condition a CalDAV server answers.
func TestStrictValues(t *testing.T) {
	cases := []struct{ name, old, new, cond string }{
		{"not UTF-8", "SUMMARY:ok", "SUMMARY:\xff\xfe", CondValidData},
		{"unknown escape", "SUMMARY:ok", `SUMMARY:a\:b`, CondValidData},
		{"P1DT", "DURATION:PT1H", "DURATION:P1DT", CondValidData},
		{"PT", "DURATION:PT1H", "DURATION:PT", CondValidData},
		{"floating ACKNOWLEDGED", "SUMMARY:ok", "SUMMARY:ok\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n" +
			"DESCRIPTION:x\r\nACKNOWLEDGED:20260301T095500\r\nEND:VALARM", CondValidData},
		{"DATE ACKNOWLEDGED", "SUMMARY:ok", "SUMMARY:ok\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n" +
			"DESCRIPTION:x\r\nACKNOWLEDGED;VALUE=DATE:20260301\r\nEND:VALARM", CondValidData},
		{"unknown TZID", "DTSTART:20260301T100000Z", "DTSTART;TZID=Mars/Olympus:20260301T100000", CondValidTimezone},
		{"unknown EXDATE TZID", "DURATION:PT1H", "DURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nEXDATE;TZID=Nope:20260302T100000", CondValidTimezone},
	}
	for _, c := range cases {
		data := strings.Replace(strictBase, c.old, c.new, 1)
		cal, err := Parse([]byte(data))
		if err == nil {
			_, err = Inspect(cal, Options{})
		}
		var e *Error
		if !errors.As(err, &e) || e.Condition != c.cond {
			t.Errorf("%s: got %v, want a refusal with %s", c.name, err, c.cond)
		}
	}
	for _, ok := range []string{"DURATION:P1D", "DURATION:P1DT2H", "DURATION:-PT15M", "DURATION:P2W"} {
		if _, err := Parse([]byte(strings.Replace(strictBase, "DURATION:PT1H", ok, 1))); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	// A UTC ACKNOWLEDGED, a known zone and a zone defined in the object pass.
	good := strings.Replace(strictBase, "SUMMARY:ok", "SUMMARY:ok\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n"+
		"DESCRIPTION:x\r\nACKNOWLEDGED:20260301T095500Z\r\nEND:VALARM", 1)
	good = strings.Replace(good, "DTSTART:20260301T100000Z", "DTSTART;TZID=W. Europe Standard Time:20260301T100000", 1)
	cal, err := Parse([]byte(good))
	if err == nil {
		_, err = Inspect(cal, Options{})
	}
	if err != nil {
		t.Errorf("valid object refused: %v", err)
	}
}

// TestRepairText: a missing DTSTAMP is added after UID and \" loses its
// backslash in the text to store; text needing neither comes back as is.
func TestRepairText(t *testing.T) {
	now := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	if got := RepairText([]byte(strictBase), now); string(got) != strictBase {
		t.Errorf("text changed:\n%s", got)
	}
	sent := strings.Replace(strings.Replace(strictBase, "DTSTAMP:20260101T000000Z\r\n", "", 1),
		"SUMMARY:ok", `SUMMARY:say \"hi\" \\"`, 1)
	want := strings.Replace(strictBase, "DTSTAMP:20260101T000000Z", "DTSTAMP:20260504T030201Z", 1)
	want = strings.Replace(want, "SUMMARY:ok", `SUMMARY:say "hi" \\"`, 1)
	if got := string(RepairText([]byte(sent), now)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The parsed copy reads the escaped quote as a quote, with a warning.
	cal, warns, err := ParseWithWarnings([]byte(sent))
	if err != nil || cal.Children[0].Props.Get("SUMMARY").Value != `say "hi" \\"` || !hasWarning(warns, `\" is not an iCalendar escape`) {
		t.Errorf("parsed %v, warnings %v, err %v", cal.Children[0].Props.Get("SUMMARY"), warns, err)
	}
}
