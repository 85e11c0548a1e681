package caldav

import (
	"context"
	"net/http"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// delegationServer is schedServer with room-101 on the manual policy, bob
// its read-write delegate and carol its read-only one.
func delegationServer(t *testing.T) *testServer {
	t.Helper()
	ts := schedServer(t)
	ctx := context.Background()
	room := ts.users["room-101"]
	room.BookingPolicy = "manual"
	if err := ts.store.UpdatePrincipal(ctx, room); err != nil {
		t.Fatal(err)
	}
	for _, d := range []backend.Delegation{
		{PrincipalID: room.ID, DelegateID: ts.users["bob"].ID, Write: true},
		{PrincipalID: room.ID, DelegateID: ts.users["carol"].ID},
	} {
		if err := ts.store.SetDelegate(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return ts
}

const roomCal = "/dav/calendars/rooms/room-101/calendar/"

// TestManualRoomAnsweredByDelegate: a manual room leaves an invitation
// NEEDS-ACTION; its read-write delegate accepts it in the room's calendar,
// and the organizer's copy shows the room's answer (RFC 6638 §3.2.2.1,
// the delegate writing as the room).
func TestManualRoomAnsweredByDelegate(t *testing.T) {
	ts := delegationServer(t)
	const uid = "manual-1"
	ts.must(http.StatusCreated, "alice", "PUT", "/dav/calendars/users/alice/calendar/m.ics",
		meeting(uid, "alice@example.com", weeklyStart, "", ";PARTSTAT=ACCEPTED:mailto:alice@example.com",
			";CUTYPE=ROOM:mailto:room101@example.com"), "Content-Type", "text/calendar")
	alice, _ := ts.getCopy("alice", uid)
	if ps := attParam(t, alice, "", "room101@example.com", "PARTSTAT"); ps != "NEEDS-ACTION" {
		t.Fatalf("a manual room answered by itself: PARTSTAT %s", ps)
	}

	// Without a grant, the room's home is closed; a read-only delegate
	// reads but cannot write.
	_, body := ts.must(http.StatusForbidden, "alice", "GET", roomCal+calendar.ResourceName(uid), "")
	if !strings.Contains(body, "need-privileges") {
		t.Errorf("alice reading the room: %s", body)
	}
	_, roomCopy := ts.must(http.StatusOK, "carol", "GET", roomCal+calendar.ResourceName(uid), "")
	accepted := strings.Replace(roomCopy, "CUTYPE=ROOM", "CUTYPE=ROOM;PARTSTAT=ACCEPTED", 1)
	if accepted == roomCopy {
		t.Fatalf("the room's copy has no room attendee:\n%s", roomCopy)
	}
	_, body = ts.must(http.StatusForbidden, "carol", "PUT", roomCal+calendar.ResourceName(uid), accepted, "Content-Type", "text/calendar")
	if errorCondition(t, body) != condNeedPrivileges {
		t.Errorf("read-only delegate PUT: %s", body)
	}
	if ps := attParam(t, mustParse(t, ts.copyOf("room-101", uid).Data), "", "room101@example.com", "PARTSTAT"); ps != "NEEDS-ACTION" {
		t.Fatalf("a refused write changed the room's copy: %s", ps)
	}

	// bob answers for the room.
	ts.must(http.StatusNoContent, "bob", "PUT", roomCal+calendar.ResourceName(uid), accepted, "Content-Type", "text/calendar")
	ts.wantPartstats(uid, "", []string{"alice", "room-101"}, map[string]string{"room101@example.com": "ACCEPTED"})
	inbox := ts.inbox("alice", uid)
	if !strings.Contains(inbox, "METHOD:REPLY") || !strings.Contains(inbox, "room101@example.com") {
		t.Errorf("alice's inbox has no REPLY from the room:\n%s", inbox)
	}
	// The delegate's own calendar was not touched.
	if ts.copyOf("bob", uid) != nil {
		t.Error("the delegate got a copy of the room's meeting")
	}
}

// TestDelegationProperties: the calendar-proxy properties and groups that
// Apple Calendar reads, and privileges that say what each delegate may do.
func TestDelegationProperties(t *testing.T) {
	ts := delegationServer(t)
	roomPrincipal := "/dav/principals/rooms/room-101/"
	body := schedPropfind("CS:calendar-proxy-write-for", "CS:calendar-proxy-read-for", "D:group-membership")
	body = strings.Replace(body, `xmlns:K=`, `xmlns:CS="http://calendarserver.org/ns/" xmlns:K=`, 1)
	_, b := ts.must(207, "bob", "PROPFIND", "/dav/principals/users/bob/", body, "Depth", "0")
	r := parseMultistatus(t, b).response("/dav/principals/users/bob/")
	if _, inner, _ := r.prop(dx.CSName("calendar-proxy-write-for")); !strings.Contains(inner, roomPrincipal) {
		t.Errorf("bob's calendar-proxy-write-for: %s", inner)
	}
	if _, inner, _ := r.prop(dx.CSName("calendar-proxy-read-for")); strings.Contains(inner, "href") {
		t.Errorf("bob's calendar-proxy-read-for: %s", inner)
	}
	if _, inner, _ := r.prop(dx.DAVName("group-membership")); !strings.Contains(inner, roomPrincipal+"calendar-proxy-write/") {
		t.Errorf("bob's group-membership: %s", inner)
	}
	_, b = ts.must(207, "carol", "PROPFIND", "/dav/principals/users/carol/", body, "Depth", "0")
	r = parseMultistatus(t, b).response("/dav/principals/users/carol/")
	if _, inner, _ := r.prop(dx.CSName("calendar-proxy-read-for")); !strings.Contains(inner, roomPrincipal) {
		t.Errorf("carol's calendar-proxy-read-for: %s", inner)
	}

	// Apple Calendar's delegation pane: expand-property of the grants.
	expand := `<?xml version="1.0"?><D:expand-property xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">` +
		`<D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">` +
		`<D:property name="displayname"/><D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>` +
		`</D:property></D:expand-property>`
	_, b = ts.must(207, "bob", "REPORT", "/dav/principals/users/bob/", expand, "Depth", "0")
	if !strings.Contains(b, "Room 101") || !strings.Contains(b, "mailto:room101@example.com") {
		t.Errorf("expand-property of calendar-proxy-write-for:\n%s", b)
	}

	// The room's two groups, as Depth 1 members of its principal.
	_, b = ts.must(207, "alice", "PROPFIND", roomPrincipal, schedPropfind("D:group-member-set", "D:resourcetype"), "Depth", "1")
	ms := parseMultistatus(t, b)
	w := ms.response(roomPrincipal + "calendar-proxy-write/")
	rd := ms.response(roomPrincipal + "calendar-proxy-read/")
	if w == nil || rd == nil {
		t.Fatalf("the room's proxy groups are not listed:\n%s", b)
	}
	if _, inner, _ := w.prop(dx.DAVName("group-member-set")); !strings.Contains(inner, "/users/bob/") || strings.Contains(inner, "carol") {
		t.Errorf("write group members: %s", inner)
	}
	if _, inner, _ := w.prop(dx.DAVName("resourcetype")); !strings.Contains(inner, "calendar-proxy-write") {
		t.Errorf("write group resourcetype: %s", inner)
	}
	if _, inner, _ := rd.prop(dx.DAVName("group-member-set")); !strings.Contains(inner, "/users/carol/") || strings.Contains(inner, "bob") {
		t.Errorf("read group members: %s", inner)
	}

	// Privileges on the room's calendar follow the grant.
	priv := schedPropfind("D:current-user-privilege-set")
	for user, wantWrite := range map[string]bool{"bob": true, "carol": false} {
		_, b = ts.must(207, user, "PROPFIND", roomCal, priv, "Depth", "0")
		_, inner, _ := parseMultistatus(t, b).response(roomCal).prop(dx.DAVName("current-user-privilege-set"))
		if got := strings.Contains(inner, "write-content"); got != wantWrite || !strings.Contains(inner, "read") {
			t.Errorf("%s's privileges on the room's calendar: %s", user, inner)
		}
	}
}

// TestDelegateGroupProppatch: a user chooses their own delegates by
// PROPPATCH of a proxy group's DAV:group-member-set; nobody else may, and
// a bad member changes nothing.
func TestDelegateGroupProppatch(t *testing.T) {
	ts := schedServer(t)
	group := "/dav/principals/users/alice/calendar-proxy-write/"
	set := func(hrefs ...string) string {
		var b strings.Builder
		for _, h := range hrefs {
			b.WriteString("<D:href>" + h + "</D:href>")
		}
		return schedProppatch(`<D:set><D:prop><D:group-member-set>` + b.String() + `</D:group-member-set></D:prop></D:set>`)
	}
	bobURL := "/dav/principals/users/bob/"
	ts.must(http.StatusForbidden, "bob", "GET", "/dav/calendars/users/alice/calendar/", "")

	_, b := ts.must(http.StatusForbidden, "bob", "PROPPATCH", group, set(bobURL))
	if errorCondition(t, b) != condNeedPrivileges {
		t.Errorf("bob choosing alice's delegates: %s", b)
	}
	_, b = ts.must(207, "alice", "PROPPATCH", group, set(bobURL, "/dav/principals/users/nobody/"))
	if !strings.Contains(b, "409") {
		t.Errorf("an unknown member: %s", b)
	}
	ts.must(http.StatusForbidden, "bob", "GET", "/dav/calendars/users/alice/calendar/", "")

	_, b = ts.must(207, "alice", "PROPPATCH", group, set(bobURL, "mailto:carol@example.com"))
	if !strings.Contains(b, "200") {
		t.Fatalf("alice choosing her delegates: %s", b)
	}
	ts.must(http.StatusOK, "bob", "GET", "/dav/calendars/users/alice/calendar/", "")
	ts.put("bob", "/dav/calendars/users/alice/calendar/by-bob.ics", event("by-bob", "20270301T100000Z", "Written by bob"))
	ds, err := ts.store.Delegates(context.Background(), ts.users["alice"].ID)
	if err != nil || len(ds) != 2 || !ds[0].Write || !ds[1].Write {
		t.Fatalf("alice's delegates: %+v, %v", ds, err)
	}
	// Emptying the group ends the access.
	ts.must(207, "alice", "PROPPATCH", group, set())
	ts.must(http.StatusForbidden, "bob", "GET", "/dav/calendars/users/alice/calendar/", "")
}

func mustParse(t *testing.T, data []byte) *goical.Calendar {
	t.Helper()
	cal, err := ical.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}
