package calendar

import (
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

func TestIsPrivate(t *testing.T) {
	for class, want := range map[string]bool{
		"": false, "CLASS:PUBLIC\r\n": false, "CLASS:public\r\n": false, "CLASS:PRIVATE\r\n": true,
		"CLASS:CONFIDENTIAL\r\n": true,
		// RFC 5545 §3.8.1.3: an unknown value is taken as PRIVATE.
		"CLASS:X-SECRET\r\n": true, "CLASS;X-P=1:PRIVATE\r\n": true,
		// Folded lines are unfolded first.
		"CLA\r\n SS:PRIV\r\n ATE\r\n": true,
	} {
		comp := Component{Name: "VEVENT", Text: "BEGIN:VEVENT\r\nUID:a\r\n" + class + "END:VEVENT\r\n"}
		if got := isPrivate([]Component{comp}); got != want {
			t.Errorf("isPrivate(%q) = %v, want %v", class, got, want)
		}
	}
	// A CLASS inside an alarm is not the event's.
	alarm := Component{Name: "VEVENT", Text: "BEGIN:VEVENT\r\nUID:a\r\nBEGIN:VALARM\r\nCLASS:PRIVATE\r\nEND:VALARM\r\nEND:VEVENT\r\n"}
	if isPrivate([]Component{alarm}) {
		t.Error("CLASS of a sub-component counted")
	}
}

func TestBusyBlockAndAlarms(t *testing.T) {
	text := "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=\"Europe/Berlin\":20260101T100000\r\nSUMMARY:A long\r\n  summary\r\n" +
		"ATTENDEE;CN=\"Room: 1\":mailto:r@example.com\r\nX-ALT-DESC:secret\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\n" +
		"BEGIN:X-NESTED\r\nX-A:1\r\nEND:X-NESTED\r\nEND:VALARM\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
	want := "BEGIN:VEVENT\r\nSUMMARY:Busy\r\nUID:a\r\nDTSTART;TZID=\"Europe/Berlin\":20260101T100000\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
	if got := busyBlock(text); got != want {
		t.Errorf("busyBlock:\n%q\nwant\n%q", got, want)
	}
	wantNoAlarm := "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=\"Europe/Berlin\":20260101T100000\r\nSUMMARY:A long\r\n  summary\r\n" +
		"ATTENDEE;CN=\"Room: 1\":mailto:r@example.com\r\nX-ALT-DESC:secret\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
	if got := withoutAlarms(text); got != wantNoAlarm {
		t.Errorf("withoutAlarms:\n%q\nwant\n%q", got, wantNoAlarm)
	}
	// The value after a quoted colon in a parameter.
	if v := ical.ParseText([]byte(text)).Components()[0].PropValue("ATTENDEE"); v != "mailto:r@example.com" {
		t.Errorf("ATTENDEE value %q", v)
	}
	// An unknown mode hides like omit.
	private := Component{Name: "VEVENT", Text: "BEGIN:VEVENT\r\nUID:a\r\nCLASS:PRIVATE\r\nEND:VEVENT\r\n"}
	if got := FeedObject(backend.FeedPrivacy("bogus"))([]Component{private}); got != nil {
		t.Errorf("unknown mode kept %v", got)
	}
}
