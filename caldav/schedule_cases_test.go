package caldav

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

func putMeeting(ts *testServer, want int, user, name, body string) (*http.Response, string) {
	ts.t.Helper()
	return ts.must(want, user, "PUT", "/dav/calendars/users/"+user+"/calendar/"+name, body, "Content-Type", "text/calendar")
}

// TestScheduleRoomConflict: two meetings at the same time; the second
// gets the room DECLINED, visible on the organizer's copy at once.
func TestScheduleRoomConflict(t *testing.T) {
	ts := schedServer(t)
	room := ";CUTYPE=ROOM:mailto:room101@example.com"
	putMeeting(ts, 201, "alice", "a.ics", meeting("a", "alice@example.com", "20270301T100000Z", "", room))
	putMeeting(ts, 201, "bob", "b.ics", meeting("b", "bob@example.com", "20270301T103000Z", "", room))
	a, _ := ts.getCopy("alice", "a")
	b, _ := ts.getCopy("bob", "b")
	if ps := attParam(t, a, "", "room101@example.com", "PARTSTAT"); ps != "ACCEPTED" {
		t.Errorf("first booking: %s", ps)
	}
	if ps, st := attParam(t, b, "", "room101@example.com", "PARTSTAT"), attParam(t, b, "", "room101@example.com", "SCHEDULE-STATUS"); ps != "DECLINED" || st != "1.2" {
		t.Errorf("second booking: PARTSTAT %s SCHEDULE-STATUS %s, want DECLINED 1.2 (delivered; 2.0 is no SCHEDULE-STATUS)", ps, st)
	}
	// The declined booking does not block the room afterwards.
	ts.must(http.StatusNoContent, "alice", "DELETE", "/dav/calendars/users/alice/calendar/a.ics", "")
	putMeeting(ts, 201, "carol", "c.ics", meeting("c", "carol@example.com", "20270301T100000Z", "", room))
	c, _ := ts.getCopy("carol", "c")
	if ps := attParam(t, c, "", "room101@example.com", "PARTSTAT"); ps != "ACCEPTED" {
		t.Errorf("after cancel and a declined booking: %s", ps)
	}
}

// TestScheduleRoomCapacity: more attendees than seats → DECLINED with the
// reason in the room's REPLY.
func TestScheduleRoomCapacity(t *testing.T) {
	ts := schedServer(t)
	room := ts.users["room-101"]
	room.Capacity = 2
	if err := ts.store.UpdatePrincipal(context.Background(), room); err != nil {
		t.Fatal(err)
	}
	putMeeting(ts, 201, "alice", "big.ics", meeting("big", "alice@example.com", "20270301T100000Z", "",
		":mailto:bob@example.com", ":mailto:carol@example.com", ";CUTYPE=ROOM:mailto:room101@example.com"))
	a, _ := ts.getCopy("alice", "big")
	if ps := attParam(t, a, "", "room101@example.com", "PARTSTAT"); ps != "DECLINED" {
		t.Errorf("over capacity: %s", ps)
	}
	msg := ts.inbox("alice", "big")
	if !strings.Contains(msg, "METHOD:REPLY") || !strings.Contains(msg, "capacity") {
		t.Errorf("the room's REPLY gives no reason:\n%s", msg)
	}
}

// TestScheduleAgentClientAndExternal: SCHEDULE-AGENT=CLIENT gets nothing
// (RFC 6638 §7.1); an address outside the server gets one queued message
// and SCHEDULE-STATUS 1.1.
func TestScheduleAgentClientAndExternal(t *testing.T) {
	ts := schedServer(t)
	putMeeting(ts, 201, "alice", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "",
		";SCHEDULE-AGENT=CLIENT:mailto:carol@example.com", ":mailto:bob@example.com", ":mailto:dave@elsewhere.org"))
	if ts.copyOf("carol", "m") != nil {
		t.Errorf("SCHEDULE-AGENT=CLIENT attendee got a copy")
	}
	if ts.copyOf("bob", "m") == nil {
		t.Errorf("bob got no copy")
	}
	msgs, err := ts.store.OutboundMessages(context.Background(), ts.users["alice"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Recipient != "mailto:dave@elsewhere.org" || msgs[0].Method != "REQUEST" {
		t.Fatalf("queued: %+v", msgs)
	}
	a, _ := ts.getCopy("alice", "m")
	if st := attParam(t, a, "", "dave@elsewhere.org", "SCHEDULE-STATUS"); st != "1.1" {
		t.Errorf("external SCHEDULE-STATUS %s, want 1.1", st)
	}
}

// TestScheduleAttendeeDelete: an attendee deleting its copy declines
// (RFC 6638 §3.2.3), unless Schedule-Reply: F (§8.1).
func TestScheduleAttendeeDelete(t *testing.T) {
	ts := schedServer(t)
	putMeeting(ts, 201, "alice", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "",
		":mailto:bob@example.com", ":mailto:carol@example.com"))
	_, carolPath := ts.getCopy("carol", "m")
	ts.must(http.StatusNoContent, "carol", "DELETE", carolPath, "", "Schedule-Reply", "F")
	_, bobPath := ts.getCopy("bob", "m")
	ts.must(http.StatusNoContent, "bob", "DELETE", bobPath, "")
	ts.wantPartstats("m", "", []string{"alice"}, map[string]string{"bob@example.com": "DECLINED", "carol@example.com": "NEEDS-ACTION"})
}

// TestScheduleBadInput: refused writes answer 403 with the RFC 6638
// precondition and change nothing.
func TestScheduleBadInput(t *testing.T) {
	ts := schedServer(t)
	putMeeting(ts, 201, "alice", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "", ":mailto:bob@example.com"))
	bobCal, bobPath := ts.getCopy("bob", "m")
	aliceETag, bobETag := ts.copyOf("alice", "m").ETag, ts.copyOf("bob", "m").ETag
	cases := []struct {
		name, user, path, body, cond string
	}{
		{"attendee changes the time", "bob", bobPath,
			strings.Replace(string(ical.EncodeText(bobCal)), "20270301T100000Z", "20270302T100000Z", 1), "allowed-attendee-scheduling-object-change"},
		{"organizer is another user", "alice", "/dav/calendars/users/alice/calendar/forged.ics",
			meeting("forged", "bob@example.com", "20270301T100000Z", "", ":mailto:carol@example.com"), "allowed-organizer-scheduling-object-change"},
		{"two organizers", "alice", "/dav/calendars/users/alice/calendar/two.ics",
			strings.Replace(meeting("two", "alice@example.com", "20270301T100000Z", "", ":mailto:bob@example.com"),
				"ORGANIZER:", "ORGANIZER:mailto:x@example.com\r\nORGANIZER:", 1), "same-organizer-in-all-components"},
		{"UID scheduled in another calendar", "bob", "/dav/calendars/users/bob/work/dup.ics",
			meeting("m", "zed@elsewhere.org", "20270301T100000Z", "", ":mailto:bob@example.com"), "unique-scheduling-object-resource"},
	}
	ts.must(http.StatusCreated, "bob", "MKCALENDAR", "/dav/calendars/users/bob/work/", "")
	for _, c := range cases {
		resp, body := ts.do(c.user, "PUT", c.path, c.body, "Content-Type", "text/calendar")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403\n%s", c.name, resp.StatusCode, body)
			continue
		}
		if got := errorCondition(t, body); got != davxml.CalDAVName(c.cond) {
			t.Errorf("%s: condition %v, want %s", c.name, got, c.cond)
		}
	}
	if ts.copyOf("alice", "m").ETag != aliceETag || ts.copyOf("bob", "m").ETag != bobETag {
		t.Errorf("a refused write changed a copy")
	}
	for _, uid := range []string{"forged", "two"} {
		if ts.copyOf("alice", uid) != nil || ts.copyOf("carol", uid) != nil || ts.copyOf("bob", uid) != nil {
			t.Errorf("refused %s was stored or delivered", uid)
		}
	}
	if msgs, _ := ts.store.OutboundMessages(context.Background(), ts.users["bob"].ID); len(msgs) != 0 {
		t.Errorf("a refused write queued mail: %+v", msgs)
	}
}

// TestScheduleReplyFromStranger: bob answers a meeting that does not
// invite him. His copy is his to keep, but the organizer's copy does not
// change and his ORGANIZER carries SCHEDULE-STATUS 3.7 (RFC 5546 §3.6:
// invalid calendar user).
func TestScheduleReplyFromStranger(t *testing.T) {
	ts := schedServer(t)
	putMeeting(ts, 201, "alice", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "", ":mailto:carol@example.com"))
	before := ts.copyOf("alice", "m").ETag
	putMeeting(ts, 201, "bob", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "", ";PARTSTAT=ACCEPTED:mailto:bob@example.com"))
	if ts.copyOf("alice", "m").ETag != before {
		t.Errorf("a stranger's REPLY changed the organizer's copy")
	}
	bob, _ := ts.getCopy("bob", "m")
	if st := comp(bob, "").Props.Get("ORGANIZER").Params.Get("SCHEDULE-STATUS"); st != "3.7" {
		t.Errorf("ORGANIZER SCHEDULE-STATUS %q, want 3.7\n%s", st, ical.EncodeText(bob))
	}
}

// TestScheduleTagConditions (issue 11, item 4): MOVE and COPY honour
// If-Schedule-Tag-Match like PUT and DELETE (RFC 6638 §8.3: 412 when the
// source's Schedule-Tag differs); the Schedule-Tag header and property
// disappear when the object stops being a scheduling object resource.
func TestScheduleTagConditions(t *testing.T) {
	ts := schedServer(t)
	ts.mkcalendar("alice", "other")
	resp, _ := putMeeting(ts, 201, "alice", "m.ics", meeting("m", "alice@example.com", "20270301T100000Z", "", ":mailto:bob@example.com"))
	tag := resp.Header.Get("Schedule-Tag")
	if tag == "" {
		t.Fatal("no Schedule-Tag on the organizer's PUT")
	}
	src, dst := "/dav/calendars/users/alice/calendar/m.ics", "/dav/calendars/users/alice/other/m.ics"
	dest := ts.srv.URL + dst
	for _, method := range []string{"COPY", "MOVE"} {
		ts.must(http.StatusPreconditionFailed, "alice", method, src, "", "Destination", dest, "If-Schedule-Tag-Match", `"stale"`)
	}
	ts.must(http.StatusNotFound, "alice", "GET", dst, "")
	ts.must(http.StatusCreated, "alice", "MOVE", src, "", "Destination", dest, "If-Schedule-Tag-Match", tag)
	ts.must(http.StatusNotFound, "alice", "GET", src, "")

	plain := strings.NewReplacer("ORGANIZER:mailto:alice@example.com\r\n", "", "ATTENDEE:mailto:bob@example.com\r\n", "").
		Replace(meeting("m", "alice@example.com", "20270301T100000Z", ""))
	resp, _ = ts.must(http.StatusNoContent, "alice", "PUT", dst, plain, "Content-Type", "text/calendar")
	if st := resp.Header.Get("Schedule-Tag"); st != "" {
		t.Errorf("PUT that removed ORGANIZER and ATTENDEE answered Schedule-Tag %s", st)
	}
	if resp, _ := ts.must(http.StatusOK, "alice", "GET", dst, ""); resp.Header.Get("Schedule-Tag") != "" {
		t.Errorf("GET of an object that is no scheduling object resource has Schedule-Tag %s", resp.Header.Get("Schedule-Tag"))
	}
	_, body := ts.must(207, "alice", "PROPFIND", dst, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:schedule-tag/></D:prop></D:propfind>`, "Depth", "0")
	if status, inner, _ := parseMultistatus(t, body).response(dst).prop(davxml.CalDAVName("schedule-tag")); !strings.Contains(status, "404") {
		t.Errorf("schedule-tag property of an object that is no scheduling object resource: %s %s", status, inner)
	}
}
