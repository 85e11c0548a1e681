package caldav

import (
	"context"
	"fmt"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// TestMaxAttendeesPerInstance: calendars advertise
// CALDAV:max-attendees-per-instance (RFC 4791 §5.2.9), and a PUT over it
// is refused with 403 and that precondition (§5.3.2.1), storing and
// queueing nothing: the 4,000-attendee PUT of the hostile-input test.
func TestMaxAttendeesPerInstance(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
		<prop><C:max-attendees-per-instance/></prop></propfind>`, "Depth", "0")
	r := parseMultistatus(t, body).response(cal)
	if r == nil {
		t.Fatalf("no response for %s:\n%s", cal, body)
	}
	if status, v, ok := r.prop(dx.CalDAVName("max-attendees-per-instance")); !ok || !strings.Contains(status, "200") || v != "1000" {
		t.Fatalf("max-attendees-per-instance = %q (%s)", v, status)
	}

	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:huge\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260302T100000Z\r\nDURATION:PT1H\r\nSUMMARY:All hands\r\nORGANIZER:mailto:alice@example.com\r\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "ATTENDEE;RSVP=TRUE:mailto:guest%d@elsewhere.example\r\n", i)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	resp, body := ts.do("alice", "PUT", cal+"huge.ics", b.String(), "Content-Type", "text/calendar")
	if resp.StatusCode != 403 || errorCondition(t, body) != dx.CalDAVName("max-attendees-per-instance") {
		t.Fatalf("PUT of 4,000 attendees: %d %s", resp.StatusCode, body)
	}
	ts.must(404, "alice", "GET", cal+"huge.ics", "")
	if msgs, err := ts.store.OutboundMessages(context.Background(), ts.users["alice"].ID); err != nil || len(msgs) != 0 {
		t.Fatalf("the refused PUT queued %d messages (%v)", len(msgs), err)
	}
}
