package caldav

import (
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// TestPutLongSeries: a daily event since 2000 and an endless SECONDLY
// rule are stored (max-instances bounds their index window, not their
// lifetime), and calendar-query finds and expands their occurrences
// outside what the index holds: before its window and after the point
// where a dense rule's index stops (issue 11, item 12).
func TestPutLongSeries(t *testing.T) {
	ts := newTestServer(t)
	daily := strings.Replace(event("daily", "20000103T090000Z", "Stand-up"), "DURATION:PT1H\r\n",
		"DURATION:PT30M\r\nRRULE:FREQ=DAILY\r\n", 1)
	ts.put("alice", cal+"daily.ics", daily)
	secondly := strings.Replace(event("secondly", "20260301T100000Z", "Tick"), "DURATION:PT1H\r\n",
		"DURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n", 1)
	ts.put("alice", cal+"secondly.ics", secondly)

	query := func(start, end, data string) *multistatus {
		return ts.report("alice", cal, `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/>`+data+`</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
<C:time-range start="`+start+`" end="`+end+`"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`)
	}
	want := func(ms *multistatus, paths ...string) {
		t.Helper()
		if got := ms.hrefs(t); strings.Join(got, " ") != strings.Join(paths, " ") {
			t.Errorf("hrefs %v, want %v", got, paths)
		}
	}
	want(query("20010301T000000Z", "20010302T000000Z", ""), cal+"daily.ics")
	want(query("20010301T093000Z", "20010302T085959Z", ""))
	ms := query("20010301T000000Z", "20010302T000000Z",
		`<C:calendar-data><C:expand start="20010301T000000Z" end="20010302T000000Z"/></C:calendar-data>`)
	r := ms.response(cal + "daily.ics")
	if r == nil {
		t.Fatal("no response for daily.ics")
	}
	if got := propText(t, r, dx.CalDAVName("calendar-data")); strings.Count(got, "BEGIN:VEVENT") != 1 || !strings.Contains(got, "RECURRENCE-ID:20010301T090000Z") {
		t.Errorf("expand of 2001-03-01:\n%s", got)
	}
	// The SECONDLY rule's index stops after max-instances seconds; 2040
	// is found by expanding it.
	want(query("20401201T000000Z", "20401201T000001Z", ""), cal+"secondly.ics")
	want(query("20401201T090000Z", "20401201T090001Z", ""), cal+"daily.ics", cal+"secondly.ics")
	want(query("20260301T093000Z", "20260301T100000Z", ""))
}
