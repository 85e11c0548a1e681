package conformance

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// kalendsCmd runs the kalends binary against the server's database, as an
// administrator would.
func (s *server) kalendsCmd(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kalendsBin, append(args, "--database", s.database)...)
	cmd.Env = kalendsEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kalends %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestManualRoomDelegate: a room on the manual booking policy leaves an
// invitation NEEDS-ACTION until its delegate, chosen with `kalends
// delegate add`, answers it in the room's calendar; the organizer's copy
// then shows the room's answer, and someone without a grant cannot.
func TestManualRoomDelegate(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		srv.addRoom(t, "board", "board@example.com", 6)
		srv.kalendsCmd(t, "room", "set", "board", "--policy", "manual")
		srv.kalendsCmd(t, "delegate", "add", "rooms/board", "bob")

		uid := "manual-room-" + srv.store + "@kalends.test"
		ics := crlf(strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kalends//conformance//EN",
			"BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20300101T000000Z", "DTSTART:20300301T090000Z", "DURATION:PT1H",
			"SUMMARY:Board meeting", "ORGANIZER:mailto:alice@example.com",
			"ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com",
			"ATTENDEE;CUTYPE=ROOM;RSVP=TRUE:mailto:board@example.com",
			"END:VEVENT", "END:VCALENDAR", ""}, "\n"))
		alicePath := calendarPath("alice", "calendar") + "board.ics"
		rq := request{method: http.MethodPut, path: alicePath, user: "alice", body: ics,
			header: map[string]string{"Content-Type": "text/calendar"}}
		if r := srv.do(t, rq); r.Status != http.StatusCreated {
			t.Fatalf("invitation refused:\n%s", schedExchange(rq, r))
		}
		org := schedGet(t, srv, "alice", alicePath)
		if ps := schedPartstat(schedMaster(org.cal), "mailto:board@example.com"); ps != "NEEDS-ACTION" {
			t.Fatalf("the manual room answered %s by itself", ps)
		}

		roomCal := "/dav/calendars/rooms/board/calendar/"
		if r := srv.do(t, request{method: "PROPFIND", path: roomCal, user: "alice", header: map[string]string{"Depth": "1"}}); r.Status != http.StatusForbidden {
			t.Fatalf("alice, without a grant, listed the room's calendar: %d", r.Status)
		}
		copies := schedFindAll(t, srv, "bob", roomCal, uid)
		if len(copies) != 1 {
			t.Fatalf("bob sees %d copies of the invitation in the room's calendar, want 1", len(copies))
		}
		room := copies[0]
		schedSetPartstat(t, schedMaster(room.cal), "mailto:board@example.com", "ACCEPTED")
		rq = request{method: http.MethodPut, path: room.path, user: "bob", body: schedEncode(t, room.cal),
			header: map[string]string{"Content-Type": "text/calendar", "If-Schedule-Tag-Match": room.schedTag}}
		if r := srv.do(t, rq); r.Status != http.StatusNoContent && r.Status != http.StatusCreated {
			t.Fatalf("bob's answer for the room was refused:\n%s", schedExchange(rq, r))
		}
		org = schedGet(t, srv, "alice", alicePath)
		if ps := schedPartstat(schedMaster(org.cal), "mailto:board@example.com"); ps != "ACCEPTED" {
			t.Fatalf("after the delegate's answer, alice's copy shows the room %s\n%s", ps, org.raw)
		}
		wantInboxMessage(t, srv, "alice", uid, "REPLY")

		// Revoked, the delegate is out.
		srv.kalendsCmd(t, "delegate", "remove", "rooms/board", "bob")
		if r := srv.do(t, request{method: http.MethodGet, path: room.path, user: "bob"}); r.Status != http.StatusForbidden {
			t.Errorf("after revocation bob still reads the room's calendar: %d", r.Status)
		}
	})
}
