package caldav

import (
	"bytes"
	"context"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/kalends/kalends/calendar"
)

// todo is a small VTODO resource; due and start may be "".
func todo(uid, start, due string) string {
	s := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VTODO\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n"
	if start != "" {
		s += "DTSTART:" + start + "\r\n"
	}
	if due != "" {
		s += "DUE:" + due + "\r\n"
	}
	return s + "SUMMARY:" + uid + "\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
}

var exportUID = regexp.MustCompile(`(?m)^UID:(.*)\r$`)

// exportedUIDs runs Export and returns the UIDs it wrote, in order.
func exportedUIDs(t *testing.T, ts *testServer, path string, from, to time.Time) []string {
	t.Helper()
	var b bytes.Buffer
	if _, err := ts.svc().Export(context.Background(), &b, ts.calendarOf("alice", path), calendar.ExportOptions{From: from, To: to}); err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, m := range exportUID.FindAllStringSubmatch(b.String(), -1) {
		if len(uids) == 0 || uids[len(uids)-1] != m[1] {
			uids = append(uids, m[1])
		}
	}
	return uids
}

// TestExportBounds: From/To keep the objects with an occurrence in
// [From, To) by the RFC 4791 §9.9 rules: a series started before the
// window with an occurrence inside, an all-day event ending where the
// window begins (out) or beginning where it ends (out), tasks by DUE, and
// a task with neither DTSTART nor DUE (matches any range); either bound
// may be open. Objects come in UID order whatever their resource names.
func TestExportBounds(t *testing.T) {
	ts := newTestServer(t)
	ts.mkcalendar("alice", "mixed")
	base := "/dav/calendars/users/alice/mixed/"
	weekly := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	allday := func(uid, day, next string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART;VALUE=DATE:" + day + "\r\nDTEND;VALUE=DATE:" + next + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	for name, ics := range map[string]string{
		"z-weekly.ics":  weekly,
		"y-jan.ics":     event("jan-once", "20260101T100000Z", "January"),
		"x-day-in.ics":  allday("day-feb07", "20260207", "20260208"),
		"w-day-out.ics": allday("day-feb08", "20260208", "20260209"),
		"v-day-end.ics": allday("day-jan31", "20260131", "20260201"),
		"u-due-in.ics":  todo("task-due-feb03", "", "20260203T120000Z"),
		"t-due-out.ics": todo("task-due-mar01", "", "20260301T120000Z"),
		"s-undated.ics": todo("task-undated", "", ""),
	} {
		ts.put("alice", base+name, ics)
	}
	feb1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	feb8 := time.Date(2026, 2, 8, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{time.Time{}, time.Time{}, []string{"day-feb07", "day-feb08", "day-jan31", "jan-once", "task-due-feb03", "task-due-mar01", "task-undated", "weekly"}},
		{feb1, feb8, []string{"day-feb07", "task-due-feb03", "task-undated", "weekly"}},
		{feb1, time.Time{}, []string{"day-feb07", "day-feb08", "task-due-feb03", "task-due-mar01", "task-undated", "weekly"}},
		{time.Time{}, feb1, []string{"day-jan31", "jan-once", "task-undated", "weekly"}},
		{time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), time.Time{}, []string{"task-undated"}}, // after the series' last (Mar 9)
	} {
		if got := exportedUIDs(t, ts, "mixed", tc.from, tc.to); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Export [%v, %v): %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}
