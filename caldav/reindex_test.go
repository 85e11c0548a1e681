package caldav

import (
	"context"
	"testing"
	"time"
)

// TestFloatingFollowsCalendarTimezone: a floating event is indexed in the
// calendar's time zone, and re-indexed when that zone changes.
func TestFloatingFollowsCalendarTimezone(t *testing.T) {
	ts := newTestServer(t)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:float\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260301T100000\r\nDURATION:PT1H\r\nSUMMARY:Floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ts.put("alice", cal+"float.ics", ics)
	c, err := ts.store.Calendar(context.Background(), ts.users["alice"].ID, "calendar")
	if err != nil {
		t.Fatal(err)
	}
	startAt := func() time.Time {
		refs, err := ts.store.InstancesInRange(context.Background(), c.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
		if err != nil || len(refs) != 1 {
			t.Fatalf("instances = %v, %v", refs, err)
		}
		return refs[0].Start
	}
	if got := startAt(); !got.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("floating start without a calendar zone = %v, want 10:00 UTC", got)
	}
	ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
		<C:calendar-timezone-id>America/New_York</C:calendar-timezone-id></D:prop></D:set></D:propertyupdate>`)
	if got := startAt(); !got.Equal(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("floating start in New York = %v, want 15:00 UTC", got)
	}
}
