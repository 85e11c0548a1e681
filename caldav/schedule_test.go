package caldav

import (
	"context"
	"net/http"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// schedServer is a test server with alice, bob, carol and room-101
// (capacity 8), all with homes.
func schedServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	ctx := context.Background()
	hash, _ := backend.HashPassword("pw-carol")
	carol := &backend.Principal{Kind: backend.KindUser, Name: "carol", Emails: []string{"carol@example.com"}}
	if err := ts.store.CreatePrincipal(ctx, carol, hash); err != nil {
		t.Fatal(err)
	}
	ts.users["carol"] = carol
	room := &backend.Principal{Kind: backend.KindRoom, Name: "room-101", DisplayName: "Room 101",
		Emails: []string{"room101@example.com"}, Capacity: 8}
	if err := ts.store.CreatePrincipal(ctx, room, ""); err != nil {
		t.Fatal(err)
	}
	ts.users["room-101"] = room
	return ts
}

// meeting is a weekly meeting organized by org with the given ATTENDEE
// lines (after "ATTENDEE").
func meeting(uid, org, dtstart, rrule string, attendees ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + dtstart + "\r\nDURATION:PT1H\r\nSUMMARY:Team\r\n")
	if rrule != "" {
		b.WriteString("RRULE:" + rrule + "\r\n")
	}
	b.WriteString("ORGANIZER:mailto:" + org + "\r\n")
	for _, a := range attendees {
		b.WriteString("ATTENDEE" + a + "\r\n")
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// copyOf returns a principal's object of that UID, nil when it has none.
func (ts *testServer) copyOf(name, uid string) *backend.Object {
	ts.t.Helper()
	ctx := context.Background()
	p := ts.users[name]
	cals, err := ts.store.ListCalendars(ctx, p.ID)
	if err != nil {
		ts.t.Fatal(err)
	}
	for _, c := range cals {
		if c.Kind != backend.CollectionCalendar {
			continue
		}
		if o, err := ts.store.ObjectByUID(ctx, c.ID, uid); err == nil {
			full, err := ts.store.Object(ctx, c.ID, o.URI)
			if err != nil {
				ts.t.Fatal(err)
			}
			return full
		}
	}
	return nil
}

// getCopy reads a user's copy of uid over HTTP (GET) and parses it;
// rooms have no login, so their copy is read from the store.
func (ts *testServer) getCopy(name, uid string) (*goical.Calendar, string) {
	ts.t.Helper()
	o := ts.copyOf(name, uid)
	if o == nil {
		ts.t.Fatalf("%s has no copy of %s", name, uid)
	}
	data := o.Data
	path := ""
	if ts.users[name].Kind == backend.KindUser {
		cal, _ := ts.store.ListCalendars(context.Background(), ts.users[name].ID)
		for _, c := range cal {
			if c.ID == o.CalendarID {
				path = "/dav/calendars/users/" + name + "/" + c.URI + "/" + o.URI
			}
		}
		_, body := ts.must(http.StatusOK, name, "GET", path, "")
		data = []byte(body)
	}
	cal, err := ical.Parse(data)
	if err != nil {
		ts.t.Fatalf("%s's copy does not parse: %v", name, err)
	}
	return cal, path
}

// inbox returns the inbox messages of user about uid, read with GET (one
// resource per message), joined.
func (ts *testServer) inbox(user, uid string) string {
	ts.t.Helper()
	objs, err := ts.store.ListObjects(context.Background(), ts.calendarOf(user, "inbox").ID, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		_, body := ts.must(http.StatusOK, user, "GET", "/dav/calendars/users/"+user+"/inbox/"+o.URI, "")
		if strings.Contains(body, "UID:"+uid+"\r\n") {
			out = append(out, body)
		}
	}
	return strings.Join(out, "")
}

// comp returns the VEVENT for recurrence id rid ("" = master).
func comp(cal *goical.Calendar, rid string) *goical.Component {
	for _, c := range cal.Children {
		if c.Name != "VEVENT" {
			continue
		}
		r := c.Props.Get("RECURRENCE-ID")
		if rid == "" && r == nil || r != nil && r.Value == rid {
			return c
		}
	}
	return nil
}

// attParam returns a parameter of an attendee in the component rid.
func attParam(t *testing.T, cal *goical.Calendar, rid, addr, param string) string {
	t.Helper()
	c := comp(cal, rid)
	if c == nil {
		t.Fatalf("no component %q in\n%s", rid, ical.EncodeText(cal))
	}
	for _, p := range c.Props["ATTENDEE"] {
		if strings.EqualFold(p.Value, "mailto:"+addr) {
			if v := p.Params.Get(param); v != "" || param != "PARTSTAT" {
				return v
			}
			return "NEEDS-ACTION" // the default (RFC 5545 §3.2.12)
		}
	}
	t.Fatalf("no ATTENDEE %s in %q", addr, rid)
	return ""
}

// setPartstat answers for addr in component rid, creating the override
// from the master (with start dtstart) when it does not exist.
func setPartstat(cal *goical.Calendar, rid, dtstart, addr, ps string) {
	c := comp(cal, rid)
	if c == nil {
		m := comp(cal, "")
		c = goical.NewComponent("VEVENT")
		for name, props := range m.Props {
			if name != "RRULE" && name != "EXDATE" {
				for _, p := range props {
					cp := p
					cp.Params = goical.Params{}
					for k, v := range p.Params {
						cp.Params[k] = append([]string(nil), v...)
					}
					c.Props.Add(&cp)
				}
			}
		}
		setProp(c, "RECURRENCE-ID", rid)
		setProp(c, "DTSTART", dtstart)
		cal.Children = append(cal.Children, c)
	}
	for i, p := range c.Props["ATTENDEE"] {
		if strings.EqualFold(p.Value, "mailto:"+addr) {
			c.Props["ATTENDEE"][i].Params.Set("PARTSTAT", ps)
		}
	}
}

// setProp replaces a property by one untyped value.
func setProp(c *goical.Component, name, value string) {
	p := goical.NewProp(name)
	p.Value = value
	c.Props.Set(p)
}

// putCal writes cal at path as user and checks the status.
func (ts *testServer) putCal(want int, user, path string, cal *goical.Calendar, headers ...string) *http.Response {
	ts.t.Helper()
	resp, _ := ts.must(want, user, "PUT", path, string(ical.EncodeText(cal)), append([]string{"Content-Type", "text/calendar"}, headers...)...)
	return resp
}

// wantPartstats checks addr → PARTSTAT in component rid of everyone's copy.
func (ts *testServer) wantPartstats(uid, rid string, copies []string, want map[string]string) {
	ts.t.Helper()
	for _, who := range copies {
		cal, _ := ts.getCopy(who, uid)
		for addr, ps := range want {
			if got := attParam(ts.t, cal, rid, addr, "PARTSTAT"); got != ps {
				ts.t.Errorf("%s's copy, %q: %s is %s, want %s", who, rid, addr, got, ps)
			}
		}
	}
}

const weeklyStart = "20270104T100000Z"

// TestScheduleWeeklyScenario is the scenario: alice invites bob,
// carol and room-101 to a weekly meeting; answers, a rescheduled and a
// cancelled occurrence and the cancelled series reach every copy.
func TestScheduleWeeklyScenario(t *testing.T) {
	ts := schedServer(t)
	const uid = "weekly-1"
	alicePath := "/dav/calendars/users/alice/calendar/weekly.ics"
	resp, _ := ts.must(http.StatusCreated, "alice", "PUT", alicePath, meeting(uid, "alice@example.com", weeklyStart, "FREQ=WEEKLY;COUNT=10",
		";PARTSTAT=ACCEPTED:mailto:alice@example.com", ";RSVP=TRUE:mailto:bob@example.com",
		";RSVP=TRUE:mailto:carol@example.com", ";CUTYPE=ROOM:mailto:room101@example.com"), "Content-Type", "text/calendar")
	if resp.Header.Get("ETag") != "" || resp.Header.Get("Schedule-Tag") == "" {
		t.Fatalf("changed object: ETag %q (want none), Schedule-Tag %q (want one)", resp.Header.Get("ETag"), resp.Header.Get("Schedule-Tag"))
	}
	alice, _ := ts.getCopy("alice", uid)
	// The room answered inside the PUT (no "availability will be checked").
	if ps, st := attParam(t, alice, "", "room101@example.com", "PARTSTAT"), attParam(t, alice, "", "room101@example.com", "SCHEDULE-STATUS"); ps != "ACCEPTED" || st != "1.2" {
		t.Fatalf("room: PARTSTAT %s SCHEDULE-STATUS %s", ps, st)
	}
	if st := attParam(t, alice, "", "bob@example.com", "SCHEDULE-STATUS"); st != "1.2" {
		t.Errorf("bob's SCHEDULE-STATUS %s, want 1.2", st)
	}
	ts.wantPartstats(uid, "", []string{"bob", "carol", "room-101"}, map[string]string{
		"bob@example.com": "NEEDS-ACTION", "carol@example.com": "NEEDS-ACTION", "room101@example.com": "ACCEPTED"})
	inbox := ts.inbox("bob", uid)
	if !strings.Contains(inbox, "METHOD:REQUEST") {
		t.Errorf("bob's inbox message:\n%s", inbox)
	}
	tag := ts.copyOf("alice", uid).Index.ScheduleTag

	// bob accepts the series.
	bob, bobPath := ts.getCopy("bob", uid)
	setPartstat(bob, "", "", "bob@example.com", "ACCEPTED")
	ts.putCal(http.StatusNoContent, "bob", bobPath, bob)
	if got := ts.copyOf("alice", uid).Index.ScheduleTag; got != tag {
		t.Errorf("Schedule-Tag changed by a PARTSTAT-only reply: %s → %s (RFC 6638 §3.2.10)", tag, got)
	}
	// carol declines one occurrence, then answers tentative for the series.
	carol, carolPath := ts.getCopy("carol", uid)
	setPartstat(carol, "20270111T100000Z", "20270111T100000Z", "carol@example.com", "DECLINED")
	ts.putCal(http.StatusNoContent, "carol", carolPath, carol)
	carol, _ = ts.getCopy("carol", uid)
	setPartstat(carol, "", "", "carol@example.com", "TENTATIVE")
	ts.putCal(http.StatusNoContent, "carol", carolPath, carol)
	all := []string{"alice", "bob", "carol", "room-101"}
	ts.wantPartstats(uid, "", all, map[string]string{"bob@example.com": "ACCEPTED", "carol@example.com": "TENTATIVE", "room101@example.com": "ACCEPTED"})
	ts.wantPartstats(uid, "20270111T100000Z", []string{"alice", "bob", "carol"}, map[string]string{"carol@example.com": "DECLINED"})

	// A duplicate reply (Thunderbird re-sends) changes nothing.
	before := ts.copyOf("alice", uid).ETag
	ts.putCal(http.StatusNoContent, "carol", carolPath, carol)
	if after := ts.copyOf("alice", uid).ETag; after != before {
		t.Errorf("a duplicate REPLY changed the organizer's copy")
	}

	// alice moves one occurrence, with the Schedule-Tag she was given.
	alice, _ = ts.getCopy("alice", uid)
	setPartstat(alice, "20270118T100000Z", "20270118T150000Z", "alice@example.com", "ACCEPTED")
	resp = ts.putCal(http.StatusNoContent, "alice", alicePath, alice, "If-Schedule-Tag-Match", tag)
	for _, who := range []string{"bob", "room-101"} {
		cal, _ := ts.getCopy(who, uid)
		if c := comp(cal, "20270118T100000Z"); c == nil || c.Props.Get("DTSTART").Value != "20270118T150000Z" {
			t.Errorf("%s's copy does not show the moved occurrence:\n%s", who, ical.EncodeText(cal))
		}
	}
	// A write with the old tag is refused (RFC 6638 §8.3).
	ts.putCal(http.StatusPreconditionFailed, "alice", alicePath, alice, "If-Schedule-Tag-Match", tag)
	if resp.Header.Get("Schedule-Tag") == tag {
		t.Errorf("the organizer's change kept the Schedule-Tag")
	}

	// alice cancels one occurrence with EXDATE.
	alice, _ = ts.getCopy("alice", uid)
	setProp(comp(alice, ""), "EXDATE", "20270125T100000Z")
	ts.putCal(http.StatusNoContent, "alice", alicePath, alice)
	for _, who := range []string{"bob", "carol", "room-101"} {
		cal, _ := ts.getCopy(who, uid)
		c := comp(cal, "20270125T100000Z")
		if c == nil || c.Props.Get("STATUS").Value != "CANCELLED" {
			t.Errorf("%s's copy does not show the cancelled occurrence:\n%s", who, ical.EncodeText(cal))
		}
	}

	// alice cancels the series: every copy stays, STATUS:CANCELLED, and
	// the room is free.
	ts.must(http.StatusNoContent, "alice", "DELETE", alicePath, "")
	for _, who := range []string{"bob", "carol", "room-101"} {
		cal, _ := ts.getCopy(who, uid)
		if c := comp(cal, ""); c == nil || c.Props.Get("STATUS") == nil || c.Props.Get("STATUS").Value != "CANCELLED" {
			t.Errorf("%s's copy is not STATUS:CANCELLED after the series was cancelled:\n%s", who, ical.EncodeText(cal))
		}
	}
	ts.must(http.StatusCreated, "bob", "PUT", "/dav/calendars/users/bob/calendar/again.ics", meeting("again", "bob@example.com",
		"20270111T100000Z", "", ":mailto:bob@example.com", ";CUTYPE=ROOM:mailto:room101@example.com"), "Content-Type", "text/calendar")
	again, _ := ts.getCopy("bob", "again")
	if ps := attParam(t, again, "", "room101@example.com", "PARTSTAT"); ps != "ACCEPTED" {
		t.Errorf("the room was not freed: %s", ps)
	}
}
