package caldav

import (
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// folded is an object with a folded DESCRIPTION, LF line ends and an
// override, to check that subsetting keeps the client's lines.
const folded = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:f\nDTSTAMP:20060101T000000Z\n" +
	"DTSTART:20060101T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=3\nDESCRIPTION:a long line that the client\n  folded its own way\n" +
	"SUMMARY:Master\nEND:VEVENT\nBEGIN:VEVENT\nUID:f\nDTSTAMP:20060101T000000Z\nRECURRENCE-ID:20060103T100000Z\n" +
	"DTSTART:20060103T120000Z\nDURATION:PT1H\nSUMMARY:Moved\nEND:VEVENT\nEND:VCALENDAR\n"

func render(t *testing.T, data string, cd *dx.CalendarDataRequest) string {
	t.Helper()
	out, _, err := renderCalendarData([]byte(data), cd, ical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCalendarDataWholeAndSubset: the whole object is the stored bytes;
// a subset keeps kept lines byte for byte (folding included).
func TestCalendarDataWholeAndSubset(t *testing.T) {
	if render(t, folded, &dx.CalendarDataRequest{}) != folded || render(t, folded, nil) != folded {
		t.Errorf("whole object is not the stored bytes")
	}
	out := render(t, folded, &dx.CalendarDataRequest{Comp: &dx.CompRequest{Name: "VCALENDAR", Comps: []dx.CompRequest{
		{Name: "VEVENT", Props: []dx.PropSpec{{Name: "DESCRIPTION"}, {Name: "UID", NoValue: true}}}}}})
	if !strings.Contains(out, "DESCRIPTION:a long line that the client\r\n  folded its own way\r\n") {
		t.Errorf("folded line not kept:\n%q", out)
	}
	if strings.Contains(out, "SUMMARY") || !strings.Contains(out, "\r\nUID:\r\n") || !strings.Contains(out, "PRODID") {
		t.Errorf("subset wrong:\n%s", out)
	}
	if _, err := ical.Parse([]byte(out)); err != nil {
		t.Errorf("subset does not parse: %v", err)
	}
	if render(t, folded, &dx.CalendarDataRequest{Comp: &dx.CompRequest{Name: "VTODO"}}) != "" {
		t.Errorf("a comp request not rooted at VCALENDAR returned data")
	}
}

// TestCalendarDataLimits covers limit-recurrence-set (the override outside
// the range is dropped, an unchanged object stays byte-exact) and
// limit-freebusy-set rewriting a multi-valued FREEBUSY.
func TestCalendarDataLimits(t *testing.T) {
	tr := &dx.TimeRange{Start: utc("20060101T000000Z"), End: utc("20060102T000000Z")}
	out := render(t, folded, &dx.CalendarDataRequest{LimitRecurrenceSet: tr})
	if strings.Contains(out, "Moved") || !strings.Contains(out, "Master") {
		t.Errorf("limit-recurrence-set:\n%s", out)
	}
	tr = &dx.TimeRange{Start: utc("20060103T000000Z"), End: utc("20060104T000000Z")}
	if render(t, folded, &dx.CalendarDataRequest{LimitRecurrenceSet: tr}) != folded {
		t.Errorf("limit-recurrence-set that removes nothing changed the bytes")
	}
	fb := wrap("VFREEBUSY", "DTSTART:20060101T000000Z\r\nDTEND:20060108T000000Z\r\n"+
		"FREEBUSY:20060101T100000Z/PT1H,20060102T100000Z/PT1H,20060103T100000Z/20060103T110000Z\r\nFREEBUSY;FBTYPE=BUSY-TENTATIVE:20060106T100000Z/PT1H\r\n")
	out = render(t, fb, &dx.CalendarDataRequest{LimitFreeBusySet: &dx.TimeRange{Start: utc("20060102T000000Z"), End: utc("20060104T000000Z")}})
	if !strings.Contains(out, "\r\nFREEBUSY:20060102T100000Z/PT1H,20060103T100000Z/20060103T110000Z\r\n") || strings.Contains(out, "TENTATIVE") {
		t.Errorf("limit-freebusy-set:\n%s", out)
	}
}

// TestCalendarDataExpand: each instance alone, in UTC, with RECURRENCE-ID
// and without RRULE (§9.6.5); expand combines with comp subsetting.
func TestCalendarDataExpand(t *testing.T) {
	out := render(t, folded, &dx.CalendarDataRequest{
		Expand: &dx.TimeRange{Start: utc("20060101T000000Z"), End: utc("20060110T000000Z")},
		Comp:   &dx.CompRequest{Name: "VCALENDAR", Comps: []dx.CompRequest{{Name: "VEVENT", Props: []dx.PropSpec{{Name: "DTSTART"}, {Name: "RECURRENCE-ID"}, {Name: "RRULE"}}}}}})
	cal, err := ical.Parse([]byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	for _, ev := range children(cal.Component, "VEVENT") {
		if ev.Props.Get("RRULE") != nil || ev.Props.Get("SUMMARY") != nil {
			t.Errorf("instance kept RRULE or an unrequested property")
		}
		got = append(got, propValue(ev, "DTSTART")+"/"+propValue(ev, "RECURRENCE-ID"))
	}
	want := "20060101T100000Z/20060101T100000Z 20060102T100000Z/20060102T100000Z 20060103T120000Z/20060103T100000Z"
	if strings.Join(got, " ") != want {
		t.Errorf("expanded %q\nwant %q", got, want)
	}
}

// TestFoldLine checks 75-octet folding that never splits a UTF-8 rune.
func TestFoldLine(t *testing.T) {
	var b strings.Builder
	ical.FoldLine(&b, "SUMMARY:"+strings.Repeat("é", 60))
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if len(l) > 75 || !strings.HasPrefix(l, "SUMMARY") && !strings.HasPrefix(l, " ") {
			t.Errorf("bad folded line %q", l)
		}
	}
	cal := "BEGIN:VCALENDAR\r\n" + b.String() + "END:VCALENDAR\r\n"
	if root := parseRaw([]byte(cal)); root == nil || root.props[0].Text() != "SUMMARY:"+strings.Repeat("é", 60) {
		t.Errorf("fold does not round-trip")
	}
}
