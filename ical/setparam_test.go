package ical

import (
	"bytes"
	"strings"
	"testing"
)

func statusEdit(addr string) ParamEdit {
	return ParamEdit{Components: []string{"VEVENT", "VTODO"}, Prop: "ATTENDEE", Param: "SCHEDULE-STATUS", Value: "5.1",
		Match: func(v string) bool { return strings.EqualFold(v, addr) }}
}

// TestSetParam: only the matching lines change, byte for byte as
// expected; quoted parameters, folds, line endings, VALARM attendees and
// other properties are left as they were.
func TestSetParam(t *testing.T) {
	long := "ATTENDEE;CN=\"Dave: the; long, name\";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE\r\n :mailto:dave@elsewhere.example\r\n"
	tests := []struct {
		name, in, want string
		n              int
	}{
		{"append",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=Dave:mailto:dave@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=Dave;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 1},
		{"replace in place",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;schedule-status=1.1;CN=\"a:b\":MAILTO:Dave@Elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;SCHEDULE-STATUS=5.1;CN=\"a:b\":MAILTO:Dave@Elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 1},
		{"folded, quoted, refolded",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + long + "SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" +
				"ATTENDEE;CN=\"Dave: the; long, name\";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIP\r\n ANT;RSVP=TRUE;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\r\n" +
				"SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 1},
		{"master and override, not the alarm, not others",
			"BEGIN:VCALENDAR\nBEGIN:VEVENT\nATTENDEE:mailto:dave@elsewhere.example\nATTENDEE:mailto:erin@elsewhere.example\n" +
				"BEGIN:VALARM\nATTENDEE:mailto:dave@elsewhere.example\nEND:VALARM\nEND:VEVENT\n" +
				"BEGIN:VEVENT\nRECURRENCE-ID:20270104T100000Z\nATTENDEE;SCHEDULE-STATUS=1.1:mailto:dave@elsewhere.example\nEND:VEVENT\nEND:VCALENDAR",
			"BEGIN:VCALENDAR\nBEGIN:VEVENT\nATTENDEE;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\nATTENDEE:mailto:erin@elsewhere.example\n" +
				"BEGIN:VALARM\nATTENDEE:mailto:dave@elsewhere.example\nEND:VALARM\nEND:VEVENT\n" +
				"BEGIN:VEVENT\nRECURRENCE-ID:20270104T100000Z\nATTENDEE;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\nEND:VEVENT\nEND:VCALENDAR", 2},
		{"already set",
			"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nATTENDEE;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "", 0},
		{"other component",
			"BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nATTENDEE:mailto:dave@elsewhere.example\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n", "", 0},
		{"BOM, lower case names",
			"\ufeffbegin:vcalendar\r\nbegin:vevent\r\nattendee:mailto:dave@elsewhere.example\r\nend:vevent\r\nend:vcalendar\r\n",
			"\ufeffbegin:vcalendar\r\nbegin:vevent\r\nattendee;SCHEDULE-STATUS=5.1:mailto:dave@elsewhere.example\r\nend:vevent\r\nend:vcalendar\r\n", 1},
		{"broken parameter left alone",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"unterminated:mailto:dave@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			got, n := SetParam(in, statusEdit("mailto:dave@elsewhere.example"))
			if n != tc.n {
				t.Fatalf("changed %d properties, want %d", n, tc.n)
			}
			want := tc.want
			if n == 0 {
				want = tc.in
				if &got[0] != &in[0] {
					t.Error("no change, yet a new slice")
				}
			}
			if string(got) != want {
				t.Fatalf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestSetParamParses: the edited text parses to the same calendar with
// the parameter set, its lines within 75 octets.
func TestSetParamParses(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:p-1\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20270104T090000Z\r\nORGANIZER:mailto:alice@example.com\r\nATTENDEE;CN=\"Dåve Ünïcode " + strings.Repeat("ø", 30) +
		"\";PARTSTAT=NEEDS-ACTION:mailto:dave@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	out, n := SetParam([]byte(in), statusEdit("mailto:dave@elsewhere.example"))
	if n != 1 {
		t.Fatalf("changed %d", n)
	}
	for _, l := range bytes.Split(out, []byte("\r\n")) {
		if len(l) > 75 {
			t.Fatalf("line of %d octets", len(l))
		}
	}
	cal, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	att := cal.Children[0].Props.Get("ATTENDEE")
	if att.Params.Get("SCHEDULE-STATUS") != "5.1" || att.Params.Get("PARTSTAT") != "NEEDS-ACTION" ||
		!strings.HasPrefix(att.Params.Get("CN"), "Dåve Ünïcode øø") || att.Value != "mailto:dave@elsewhere.example" {
		t.Fatalf("attendee after edit: %+v", att)
	}
}
