package conformance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// TestSchedulingRevisions follows one meeting through the changes issue 11
// found mishandled: an answer sent without SEQUENCE after a reschedule, a
// room re-invited with a new override, If-Schedule-Tag-Match on MOVE and
// COPY, a plain copy of someone else's meeting and a forged one, and the
// meeting stripped of its ORGANIZER and ATTENDEEs.
func TestSchedulingRevisions(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		srv.addUser(t, "carol")
		srv.addRoom(t, schedRoomName, schedRoomEmail, schedRoomCapacity)
		alice, bob := mailtoOf("alice"), mailtoOf("bob")
		uid := "sched-revisions-" + srv.store + "@kalends.test"
		path := calendarPath("alice", "calendar") + "revisions.ics"
		put := func(t *testing.T, user, path, body string, header map[string]string) *response {
			t.Helper()
			rq := request{method: http.MethodPut, path: path, user: user, body: body,
				header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"}}
			for k, v := range header {
				rq.header[k] = v
			}
			r := srv.do(t, rq)
			if r.Status < 200 || r.Status > 299 {
				t.Fatalf("PUT refused:\n%s", schedExchange(rq, r))
			}
			return r
		}
		get := func(t *testing.T, user, path string) *schedObj {
			t.Helper()
			o := schedGet(t, srv, user, path)
			if o == nil {
				t.Fatalf("GET %s as %s: 404", path, user)
			}
			return o
		}
		put(t, "alice", path, icsEvent(uid, "DTSTART:20310106T100000Z", "DTEND:20310106T110000Z", "RRULE:FREQ=WEEKLY;COUNT=4",
			"SUMMARY:Revisions", "ORGANIZER:"+alice, "ATTENDEE;PARTSTAT=ACCEPTED:"+alice, "ATTENDEE;RSVP=TRUE:"+bob,
			"ATTENDEE;CUTYPE=ROOM;RSVP=TRUE:"+schedRoomAddr), map[string]string{"If-None-Match": "*"})

		t.Run("answer without SEQUENCE after a reschedule", func(t *testing.T) {
			a := get(t, "alice", path)
			m := schedMaster(a.cal)
			schedSetValue(m, ical.PropDateTimeStart, "20310106T110000Z")
			schedSetValue(m, ical.PropDateTimeEnd, "20310106T120000Z")
			put(t, "alice", path, schedEncode(t, a.cal), map[string]string{"If-Match": a.etag})

			b := schedFind(t, srv, "bob", calendarPath("bob", "calendar"), uid)
			if b == nil {
				t.Fatalf("bob has no copy of %s", uid)
			}
			bm := schedMaster(b.cal)
			if bm.Props.Get(ical.PropSequence) == nil || bm.Props.Get(ical.PropSequence).Value == "0" {
				t.Fatalf("bob's copy did not get the new SEQUENCE of the reschedule\n%s", b.raw)
			}
			schedSetPartstat(t, bm, bob, "ACCEPTED")
			bm.Props.Del(ical.PropSequence) // as clients that do not track SEQUENCE write it
			put(t, "bob", b.path, schedEncode(t, b.cal), map[string]string{"If-Match": b.etag})

			a = get(t, "alice", path)
			wantPartstats(t, "alice's copy after bob's answer without SEQUENCE", schedMaster(a.cal), a.raw, map[string]string{bob: "ACCEPTED"})
			b = get(t, "bob", b.path)
			if o := schedMaster(b.cal).Props.Get(ical.PropOrganizer); o == nil || o.Params.Get("SCHEDULE-STATUS") != "1.2" {
				t.Errorf("bob's copy: ORGANIZER SCHEDULE-STATUS is not 1.2 (delivered) although his REPLY reached alice\n%s", b.raw)
			}
		})

		t.Run("room re-invited with a new override", func(t *testing.T) {
			a := get(t, "alice", path)
			m := schedMaster(a.cal)
			schedSetValue(m, ical.PropSequence, "5")
			schedSetPartstat(t, m, schedRoomAddr, "NEEDS-ACTION")
			o := schedOccurrence(m, time.Date(2031, 1, 13, 11, 0, 0, 0, time.UTC), time.Date(2031, 1, 13, 15, 0, 0, 0, time.UTC), time.Hour)
			a.cal.Children = append(a.cal.Children, o)
			put(t, "alice", path, schedEncode(t, a.cal), map[string]string{"If-Match": a.etag})

			a = get(t, "alice", path)
			for label, c := range map[string]*ical.Component{"the series": schedMaster(a.cal),
				"the override": schedOverride(a.cal, time.Date(2031, 1, 13, 11, 0, 0, 0, time.UTC))} {
				wantPartstats(t, "alice's copy, "+label, c, a.raw, map[string]string{schedRoomAddr: "ACCEPTED"})
				if p := schedAttendee(c, schedRoomAddr); p != nil && p.Params.Get("SCHEDULE-STATUS") != "1.2" {
					t.Errorf("alice's copy, %s: the room's SCHEDULE-STATUS is %q, want 1.2 (delivered)\n%s", label, p.Params.Get("SCHEDULE-STATUS"), a.raw)
				}
			}
		})

		t.Run("MOVE and COPY with If-Schedule-Tag-Match", func(t *testing.T) {
			a := get(t, "alice", path)
			dest := srv.url(calendarPath("alice", "calendar") + "revisions-moved.ics")
			for _, method := range []string{"COPY", "MOVE"} {
				rq := request{method: method, path: path, user: "alice",
					header: map[string]string{"Destination": dest, "If-Schedule-Tag-Match": `"not-the-tag"`}}
				if r := srv.do(t, rq); r.Status != http.StatusPreconditionFailed {
					t.Errorf("%s with a Schedule-Tag that does not match: want 412 (RFC 6638 §8.3)\n%s", method, schedExchange(rq, r))
				}
			}
			rq := request{method: "MOVE", path: path, user: "alice", header: map[string]string{"Destination": dest, "If-Schedule-Tag-Match": a.schedTag}}
			if r := srv.do(t, rq); r.Status != http.StatusCreated {
				t.Fatalf("MOVE with the current Schedule-Tag:\n%s", schedExchange(rq, r))
			}
			path = calendarPath("alice", "calendar") + "revisions-moved.ics"
		})

		t.Run("a plain copy is stored, a forged meeting refused", func(t *testing.T) {
			a := get(t, "alice", path)
			r := put(t, "carol", calendarPath("carol", "calendar")+"alices-meeting.ics", a.raw, nil)
			if st := r.Header.Get("Schedule-Tag"); st != "" {
				t.Errorf("carol's plain copy of alice's meeting has a Schedule-Tag %s: it is no scheduling object resource for her (RFC 6638 §3.1)", st)
			}
			forged := "sched-forged-" + srv.store + "@kalends.test"
			rq := request{method: http.MethodPut, path: calendarPath("carol", "calendar") + "forged.ics", user: "carol",
				header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"},
				body: icsEvent(forged, "DTSTART:20310301T100000Z", "DTEND:20310301T110000Z", "SUMMARY:Forged",
					"ORGANIZER:"+alice, "ATTENDEE:"+bob)}
			wantCondition(t, srv.do(t, rq), http.StatusForbidden, caldavName("allowed-organizer-scheduling-object-change"))
			if got := schedMethods(t, srv, "bob", forged); len(got) != 0 {
				t.Errorf("bob's inbox has %v for the forged meeting", got)
			}
		})

		t.Run("no longer a meeting: no Schedule-Tag", func(t *testing.T) {
			a := get(t, "alice", path)
			for _, c := range a.cal.Children {
				if c.Name == ical.CompEvent {
					c.Props.Del(ical.PropOrganizer)
					c.Props.Del(ical.PropAttendee)
				}
			}
			r := put(t, "alice", path, schedEncode(t, a.cal), map[string]string{"If-Match": a.etag})
			if st := r.Header.Get("Schedule-Tag"); st != "" {
				t.Errorf("PUT without ORGANIZER and ATTENDEE answered Schedule-Tag %s (RFC 6638 §3.2.10: scheduling object resources only)", st)
			}
			if a = get(t, "alice", path); a.schedTag != "" {
				t.Errorf("GET of an object that is no scheduling object resource: Schedule-Tag %s", a.schedTag)
			}
			b := schedFind(t, srv, "bob", calendarPath("bob", "calendar"), uid)
			if b == nil || !strings.EqualFold(schedMaster(b.cal).Props.Get(ical.PropStatus).Value, "CANCELLED") {
				t.Errorf("bob's copy is not kept as STATUS:CANCELLED once he is no longer invited")
			}
		})
	})
}

// schedSetValue sets a property to a value of its default type.
func schedSetValue(c *ical.Component, name, value string) {
	p := ical.NewProp(name)
	p.Value = value
	c.Props.Set(p)
}
