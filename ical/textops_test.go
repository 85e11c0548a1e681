package ical

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTopLevel: the components inside the VCALENDAR, whatever BOM, line
// endings or case, each with its own bytes.
func TestTopLevel(t *testing.T) {
	for _, in := range []string{textZone, utf8BOM + textZone, strings.ReplaceAll(textZone, "\r\n", "\n"),
		strings.ToLower(textZone[:17]) + textZone[17:]} {
		comps := TopLevel([]byte(in))
		if len(comps) != 2 || comps[0].Name != "VTIMEZONE" || comps[0].PropValue("TZID") != "Europe/Berlin" || comps[1].Name != "VEVENT" {
			t.Fatalf("%q: got %d components", in[:20], len(comps))
		}
		if got := comps[1].Normalized(); !strings.HasPrefix(got, "BEGIN:VEVENT\r\nUID:2\r\n") || !strings.HasSuffix(got, "END:VALARM\r\nEND:VEVENT\r\n") {
			t.Fatalf("VEVENT text %q", got)
		}
	}
	if got := TopLevel([]byte("BEGIN:VEVENT\r\nEND:VEVENT\r\n")); len(got) != 0 {
		t.Fatalf("a bare component is not inside a VCALENDAR: %d", len(got))
	}
}

// TestInsertTimezones: the zones go after the VCALENDAR's properties,
// before its first component; the client's bytes stay.
func TestInsertTimezones(t *testing.T) {
	vt := "BEGIN:VTIMEZONE\r\nTZID:A\r\nEND:VTIMEZONE\r\n"
	vt2 := "BEGIN:VTIMEZONE\r\nTZID:B\r\nEND:VTIMEZONE\r\n"
	tests := []struct{ name, in, want string }{
		{"CRLF", textEvent, strings.Replace(textEvent, "BEGIN:VEVENT", vt+vt2+"BEGIN:VEVENT", 1)},
		{"BOM, LF, lower case", utf8BOM + "begin:vcalendar\nversion:2.0\nbegin:vevent\nuid:1\nend:vevent\nend:vcalendar\n",
			utf8BOM + "begin:vcalendar\nversion:2.0\n" + vt + vt2 + "begin:vevent\nuid:1\nend:vevent\nend:vcalendar\n"},
		{"no component", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
		{"not iCalendar", "hello", "hello"},
	}
	for _, tc := range tests {
		if got := string(InsertTimezones([]byte(tc.in), []string{vt, vt2})); got != tc.want {
			t.Errorf("%s: got %q", tc.name, got)
		}
	}
	in := []byte(textEvent)
	if got := InsertTimezones(in, nil); &got[0] != &in[0] {
		t.Error("nothing to insert, yet a new slice")
	}
}

// TestCalendarTimezoneID: the TZID of the VTIMEZONE, unfolded, not a
// TZID parameter elsewhere.
func TestCalendarTimezoneID(t *testing.T) {
	tests := map[string]string{
		textZone: "Europe/Berlin",
		"BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\ntzid:America/New_\n York\nEND:VTIMEZONE\nEND:VCALENDAR\n":           "America/New_York",
		utf8BOM + "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:UTC\r\nEND:VTIMEZONE\r\nEND:VCALENDAR":           "UTC",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=X:20270101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n": "",
		"": "",
	}
	for in, want := range tests {
		if got := CalendarTimezoneID(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestDropComponents: every VALARM goes, at any depth; the rest stays.
func TestDropComponents(t *testing.T) {
	got := string(DropComponents([]byte(textZone), "valarm"))
	if want := strings.Replace(textZone, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n", "", 1); got != want {
		t.Fatalf("got %q", got)
	}
	in := []byte(textEvent)
	if got := DropComponents(in, "VALARM"); &got[0] != &in[0] {
		t.Error("nothing dropped, yet a new slice")
	}
}

// TestWrapBareComponents: bare components get a VCALENDAR each, whatever
// line endings, BOM or case; VCALENDARs and nested components stay.
func TestWrapBareComponents(t *testing.T) {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//import//EN\r\n"
	tests := []struct{ name, in, want string }{
		{"calendar kept, CRLF added", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
		{"bare with alarm, folded", "begin:vevent\nSUMMARY:a\n b\n\nBEGIN:VALARM\nEND:VALARM\nend:vevent\nBEGIN:VTODO\r\nEND:VTODO\r\n",
			head + "begin:vevent\r\nSUMMARY:a\r\n b\r\nBEGIN:VALARM\r\nEND:VALARM\r\nend:vevent\r\nEND:VCALENDAR\r\n" + head + "BEGIN:VTODO\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"},
		{"BOM", utf8BOM + "BEGIN:VEVENT\r\nEND:VEVENT\r\n", utf8BOM + head + "BEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
	}
	for _, tc := range tests {
		got := string(WrapBareComponents([]byte(tc.in)))
		if got != tc.want {
			t.Errorf("%s: got\n%q\nwant\n%q", tc.name, got, tc.want)
		}
		if _, err := ParseStream([]byte(got)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestAddMissingTimezones: a referenced zone without VTIMEZONE gets one
// from the tz database before the first component; present, UTC and
// unknown zones get none.
func TestAddMissingTimezones(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + textZone[strings.Index(textZone, "BEGIN:VTIMEZONE"):strings.Index(textZone, "BEGIN:VEVENT")] +
		"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=America/New_York:20270101T100000\r\n" +
		"DTEND;TZID=Europe/Berlin:20270101T200000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out := AddMissingTimezones([]byte(in), cal, []string{"America/New_York", "Europe/Berlin", "UTC", "Nowhere/Unknown"})
	ny, _ := ResolveTZID(nil, "America/New_York")
	want := strings.Replace(in, "BEGIN:VTIMEZONE", VTimezone(ny, "America/New_York")+"BEGIN:VTIMEZONE", 1)
	if string(out) != want {
		t.Fatalf("got\n%s", out)
	}
	data := []byte(in)
	if got := AddMissingTimezones(data, cal, []string{"Europe/Berlin", "UTC"}); &got[0] != &data[0] {
		t.Fatal("nothing missing, yet a new slice")
	}
}

// TestRefoldSplitCharacters: a fold inside a multi-byte character is moved
// between characters, the unfolded text kept; valid text is untouched.
func TestRefoldSplitCharacters(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nLOCATION:Caf\xc3\r\n \xa9 du coin\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	out := RefoldSplitCharacters([]byte(in))
	if !utf8.Valid(out) {
		t.Fatalf("still not UTF-8: %q", out)
	}
	loc := ParseText(out).Calendar().Components()[0].PropValue("LOCATION")
	if loc != "Café du coin" || !strings.Contains(string(out), "SUMMARY:ok\r\n") {
		t.Errorf("refolded text %q (LOCATION %q)", out, loc)
	}
	valid := []byte("BEGIN:VCALENDAR\r\nX-A:Caf\r\n é\r\nEND:VCALENDAR\r\n")
	if got := RefoldSplitCharacters(valid); string(got) != string(valid) {
		t.Errorf("valid text changed: %q", got)
	}
}
