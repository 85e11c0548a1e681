package caldav

import (
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// TestSchedulingOptions: OPTIONS advertises CalDAV scheduling
// (calendar-auto-schedule, RFC 6638 §2; calendar-schedule, which
// Thunderbird reads) everywhere, and POST only on the outbox.
func TestSchedulingOptions(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/dav/", alicePath, alicePath + "calendar/", aliceOut, "/dav/principals/users/alice/",
		"/dav/calendars/users/bob/outbox/"} {
		resp, _ := ts.must(http.StatusOK, "alice", "OPTIONS", path, "")
		dav := resp.Header.Get("DAV")
		for _, class := range []string{"calendar-access", "calendar-auto-schedule", "calendar-schedule"} {
			if !strings.Contains(dav, class) {
				t.Errorf("%s: DAV %q lacks %s", path, dav, class)
			}
		}
		post := strings.Contains(resp.Header.Get("Allow"), "POST")
		if post != (path == aliceOut) {
			t.Errorf("%s: Allow %q", path, resp.Header.Get("Allow"))
		}
	}
}

// TestSchedulingPrincipalProps: schedule-default-calendar-URL (RFC 6638
// §9.2) on principals and the inbox, the room's CUTYPE, capacity and
// location, the inbox's calendar-free-busy-set and the scheduling
// privileges.
func TestSchedulingPrincipalProps(t *testing.T) {
	ts := newTestServer(t)
	addRoom(t, ts, "room101", "room101@example.com", 8, "First floor")
	capacity, location := dx.Name(dx.NSKalends, "capacity"), dx.Name(dx.NSKalends, "location")
	body := schedPropfind("C:calendar-user-type", "C:schedule-default-calendar-URL", "K:capacity", "K:location", "C:schedule-inbox-URL", "C:schedule-outbox-URL")

	_, b := ts.must(207, "alice", "PROPFIND", "/dav/principals/rooms/room101/", body, "Depth", "0")
	r := parseMultistatus(t, b).response("/dav/principals/rooms/room101/")
	if r == nil {
		t.Fatalf("no response for the room:\n%s", b)
	}
	for name, want := range map[string]string{"calendar-user-type": "ROOM"} {
		if got := propText(t, r, dx.CalDAVName(name)); got != want {
			t.Errorf("room %s = %q, want %q", name, got, want)
		}
	}
	if got := propText(t, r, capacity); got != "8" {
		t.Errorf("room capacity %q", got)
	}
	if got := propText(t, r, location); got != "First floor" {
		t.Errorf("room location %q", got)
	}
	if st, inner, _ := r.prop(dx.CalDAVName("schedule-default-calendar-URL")); !strings.Contains(st, "200") ||
		!strings.Contains(inner, "/dav/calendars/rooms/room101/calendar/") {
		t.Errorf("room default calendar: %s %s", st, inner)
	}

	_, b = ts.must(207, "alice", "PROPFIND", "/dav/principals/users/bob/", body, "Depth", "0")
	r = parseMultistatus(t, b).response("/dav/principals/users/bob/")
	if got := propText(t, r, dx.CalDAVName("calendar-user-type")); got != "INDIVIDUAL" {
		t.Errorf("bob calendar-user-type %q", got)
	}
	// bob logged in before (newTestServer's users are provisioned when
	// they first send a request), so his default calendar exists.
	ts.must(207, "bob", "PROPFIND", "/dav/calendars/users/bob/", schedPropfind("D:displayname"), "Depth", "0")
	_, b = ts.must(207, "alice", "PROPFIND", "/dav/principals/users/bob/", body, "Depth", "0")
	r = parseMultistatus(t, b).response("/dav/principals/users/bob/")
	if st, inner, _ := r.prop(dx.CalDAVName("schedule-default-calendar-URL")); !strings.Contains(st, "200") ||
		!strings.Contains(inner, "/dav/calendars/users/bob/calendar/") {
		t.Errorf("bob default calendar: %s %s", st, inner)
	}
	for _, n := range []string{"capacity", "location"} {
		if st, _, ok := r.prop(dx.Name(dx.NSKalends, n)); !ok || !strings.Contains(st, "404") {
			t.Errorf("a user's %s: %s (present %v)", n, st, ok)
		}
	}

	// The inbox: default calendar, and the opaque calendars as the
	// free-busy set; a transparent calendar leaves it.
	ts.must(207, "alice", "PROPPATCH", alicePath+"tasks/", schedProppatch(
		`<D:set><D:prop><C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp></D:prop></D:set>`))
	inboxBody := schedPropfind("C:schedule-default-calendar-URL", "C:calendar-free-busy-set", "D:current-user-privilege-set")
	_, b = ts.must(207, "alice", "PROPFIND", alicePath+"inbox/", inboxBody, "Depth", "0")
	r = parseMultistatus(t, b).response(alicePath + "inbox/")
	if _, inner, _ := r.prop(dx.CalDAVName("schedule-default-calendar-URL")); !strings.Contains(inner, alicePath+"calendar/") {
		t.Errorf("inbox default calendar: %s", inner)
	}
	if _, inner, _ := r.prop(dx.CalDAVName("calendar-free-busy-set")); !strings.Contains(inner, alicePath+"calendar/") ||
		strings.Contains(inner, "tasks") {
		t.Errorf("inbox calendar-free-busy-set: %s", inner)
	}
	if _, inner, _ := r.prop(dx.DAVName("current-user-privilege-set")); !strings.Contains(inner, "schedule-deliver") {
		t.Errorf("inbox privileges: %s", inner)
	}
	// On a calendar both are absent, and the outbox grants schedule-send.
	_, b = ts.must(207, "alice", "PROPFIND", alicePath+"calendar/", inboxBody, "Depth", "0")
	r = parseMultistatus(t, b).response(alicePath + "calendar/")
	for _, n := range []string{"schedule-default-calendar-URL", "calendar-free-busy-set"} {
		if st, _, _ := r.prop(dx.CalDAVName(n)); !strings.Contains(st, "404") {
			t.Errorf("calendar %s: %s", n, st)
		}
	}
	_, b = ts.must(207, "alice", "PROPFIND", aliceOut, inboxBody, "Depth", "0")
	if _, inner, _ := parseMultistatus(t, b).response(aliceOut).prop(dx.DAVName("current-user-privilege-set")); !strings.Contains(inner, "schedule-send") {
		t.Errorf("outbox privileges: %s", inner)
	}
}

// schedPropfind asks for the named properties, with the prefixes D: (DAV:),
// C: (CalDAV) and K: (Kalends) declared.
func schedPropfind(props ...string) string {
	return `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:K="urn:x-kalends:xml:ns"><D:prop><` +
		strings.Join(props, "/><") + `/></D:prop></D:propfind>`
}

// schedProppatch wraps instructions in a DAV:propertyupdate with D: and C:.
func schedProppatch(instructions string) string {
	return `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` + instructions + `</D:propertyupdate>`
}
