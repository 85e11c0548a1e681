package caldav

import (
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

// expandQuery asks every VEVENT of March 2026 expanded.
const expandQuery = `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20260301T000000Z" end="20260401T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`

// budgetServer is a test server whose REPORTs may expand 50 instances,
// with three daily series in bob's calendar (31 instances each in March).
func budgetServer(t *testing.T) (*testServer, string) {
	ts := newTestServer(t)
	ts.srv.Config.Handler = newHandler(ts.store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxReportInstances: 50})
	cal := "/dav/calendars/users/bob/calendar/"
	for i := 0; i < 3; i++ {
		uid := "daily" + strconv.Itoa(i)
		ts.put("bob", cal+uid+".ics", strings.Replace(event(uid, "20260301T090000Z", "D"), "SUMMARY", "RRULE:FREQ=DAILY\r\nSUMMARY", 1))
	}
	return ts, cal
}

// instancesAndCut counts the expanded VEVENTs of an answer and reports
// whether it ends with a 507 number-of-matches-within-limits response for
// the collection.
func instancesAndCut(t *testing.T, ms *multistatus, cal string) (int, bool) {
	t.Helper()
	n, cut := 0, false
	for i, r := range ms.Responses {
		if strings.Contains(r.Status, "507") {
			if i != len(ms.Responses)-1 || len(r.Href) != 1 || !strings.HasSuffix(r.Href[0], cal) ||
				r.Error == nil || !strings.Contains(r.Error.Inner, "number-of-matches-within-limits") {
				t.Fatalf("507 response %+v is not the last, for %s, with number-of-matches-within-limits", r, cal)
			}
			cut = true
			continue
		}
		status, inner, _ := r.prop(nameCalendarData)
		if !strings.Contains(status, "200") {
			t.Fatalf("response %v: calendar-data %q", r.Href, status)
		}
		n += strings.Count(inner, "BEGIN:VEVENT")
	}
	return n, cut
}

// TestExpandBudgetQuery: a calendar-query whose expansion would hold more
// instances than a report may stops before the object that does not fit
// and says so with a 507 response (RFC 4791 §7.8); each object it does
// answer is complete.
func TestExpandBudgetQuery(t *testing.T) {
	ts, cal := budgetServer(t)
	ms := ts.report("bob", cal, expandQuery)
	n, cut := instancesAndCut(t, ms, cal)
	if !cut || n != 31 {
		t.Fatalf("%d instances, cut %v; want the first object's 31 and a 507", n, cut)
	}
	// Within the budget the whole answer comes.
	ts.srv.Config.Handler = newHandler(ts.store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxReportInstances: 93})
	ms = ts.report("bob", cal, expandQuery)
	if n, cut := instancesAndCut(t, ms, cal); cut || n != 93 {
		t.Fatalf("%d instances, cut %v; want all 93 and no 507", n, cut)
	}
}

// TestExpandBudgetMultiget: calendar-multiget is bounded the same way.
func TestExpandBudgetMultiget(t *testing.T) {
	ts, cal := budgetServer(t)
	body := `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data></D:prop>
  <D:href>` + cal + `daily0.ics</D:href><D:href>` + cal + `daily1.ics</D:href><D:href>` + cal + `daily2.ics</D:href>
</C:calendar-multiget>`
	ms := ts.report("bob", cal, body)
	n, cut := instancesAndCut(t, ms, cal)
	if !cut || n != 31 {
		t.Fatalf("%d instances, cut %v; want the first object's 31 and a 507", n, cut)
	}
}
