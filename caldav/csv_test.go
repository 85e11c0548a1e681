package caldav

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"testing"
	"time"

	"github.com/kalends/kalends/calendar"
)

// TestExportCSV: a daily series with an EXDATE and an override moved out
// of and into the window gives one row per occurrence, the excluded day
// left out and the moved one at its new time with its own title and
// status; an all-day event is dates with an exclusive end; times are in
// the zone asked for; rows come sorted by start.
func TestExportCSV(t *testing.T) {
	ts := newTestServer(t)
	series := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T080000Z\r\nDTEND:20260302T083000Z\r\n" +
		"RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20260303T080000Z\r\nSUMMARY:Stand-up\\, daily\r\nLOCATION:Room 2\r\n" +
		"ORGANIZER;CN=Alice:mailto:alice@example.com\r\nATTENDEE;CN=\"Eve, E.\":mailto:eve@example.org\r\nATTENDEE:MAILTO:x@example.org\r\n" +
		"STATUS:CONFIRMED\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:daily\r\nRECURRENCE-ID:20260304T080000Z\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260304T150000Z\r\n" +
		"DTEND:20260304T160000Z\r\nSUMMARY:Stand-up (afternoon)\r\nSTATUS:TENTATIVE\r\nORGANIZER;CN=Alice:mailto:alice@example.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:daily\r\nRECURRENCE-ID:20260306T080000Z\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T080000Z\r\n" +
		"DTEND:20260310T083000Z\r\nSUMMARY:Stand-up (moved away)\r\nORGANIZER;CN=Alice:mailto:alice@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ts.put("alice", cal+"daily.ics", series)
	ts.put("alice", cal+"day.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:day\r\n"+
		"DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260303\r\nDTEND;VALUE=DATE:20260304\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	ts.put("alice", cal+"later.ics", event("later", "20260401T100000Z", "Out of the window"))
	c := ts.calendarOf("alice", "calendar")
	paris, _ := time.LoadLocation("Europe/Paris")
	var b bytes.Buffer
	err := ts.svc().ExportCSV(context.Background(), &b, c, calendar.CSVOptions{
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), Location: paris})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	people := "Eve, E. <eve@example.org>; x@example.org"
	want := [][]string{
		calendar.CSVHeader,
		{"2026-03-02T09:00:00+01:00", "2026-03-02T09:30:00+01:00", "Stand-up, daily", "Room 2", "Alice <alice@example.com>", people, "CONFIRMED"},
		{"2026-03-03", "2026-03-04", "Holiday", "", "", "", ""},
		{"2026-03-04T16:00:00+01:00", "2026-03-04T17:00:00+01:00", "Stand-up (afternoon)", "", "Alice <alice@example.com>", "", "TENTATIVE"},
		{"2026-03-05T09:00:00+01:00", "2026-03-05T09:30:00+01:00", "Stand-up, daily", "Room 2", "Alice <alice@example.com>", people, "CONFIRMED"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n%q\nwant\n%q", rows, want)
	}
	if err := ts.svc().ExportCSV(context.Background(), &b, c, calendar.CSVOptions{From: time.Now()}); err == nil {
		t.Fatal("a CSV export without a window was accepted")
	}
}
