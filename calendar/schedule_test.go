package calendar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/internal/teststores"
	"github.com/kalends/kalends/scheduling"
)

// schedFixture is a service with alice, bob, carol (users) and room-101
// (a room that accepts when free), all with homes.
type schedFixture struct {
	*fixture
	users map[string]*backend.Principal
}

func newSchedFixture(t *testing.T, open teststores.Opener) *schedFixture {
	t.Helper()
	f := &schedFixture{fixture: newFixture(t, open), users: map[string]*backend.Principal{}}
	f.users["alice"] = f.alice
	for _, p := range []*backend.Principal{
		{Kind: backend.KindUser, Name: "bob", Emails: []string{"bob@example.com"}},
		{Kind: backend.KindUser, Name: "carol", Emails: []string{"carol@example.com"}},
		{Kind: backend.KindRoom, Name: "room-101", Emails: []string{"room101@example.com"}, Capacity: 8},
	} {
		if err := f.store.CreatePrincipal(context.Background(), p, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.EnsureHome(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		f.users[p.Name] = p
	}
	return f
}

// calOf returns a collection of user.
func (f *schedFixture) calOf(user, uri string) *backend.Calendar {
	f.t.Helper()
	c, err := f.store.Calendar(context.Background(), f.users[user].ID, uri)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// write PUTs data as user into their calendar "calendar".
func (f *schedFixture) write(user, uri, data string) (*calendar.PutResult, error) {
	return f.svc.Put(context.Background(), &calendar.PutRequest{Owner: f.users[user], Calendar: f.calOf(user, "calendar"),
		URI: uri, Data: []byte(data)})
}

func (f *schedFixture) mustWrite(user, uri, data string) *calendar.PutResult {
	f.t.Helper()
	res, err := f.write(user, uri, data)
	if err != nil {
		f.t.Fatalf("%s's PUT of %s: %v", user, uri, err)
	}
	return res
}

// copyOf returns user's object of uid (nil when none) and its text parsed.
func (f *schedFixture) copyOf(user, uid string) (*backend.Object, *goical.Calendar) {
	f.t.Helper()
	objs, err := f.store.ObjectsByUID(context.Background(), f.users[user].ID, uid)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(objs) == 0 {
		return nil, nil
	}
	cal, err := ical.Parse(objs[0].Data)
	if err != nil {
		f.t.Fatal(err)
	}
	return objs[0], cal
}

// mustCopy is copyOf, failing when user has no copy.
func (f *schedFixture) mustCopy(user, uid string) (*backend.Object, *goical.Calendar) {
	f.t.Helper()
	o, cal := f.copyOf(user, uid)
	if o == nil {
		f.t.Fatalf("%s has no copy of %s", user, uid)
	}
	return o, cal
}

// inbox returns the METHOD of each message of user's inbox about uid.
func (f *schedFixture) inbox(user, uid string) []string {
	f.t.Helper()
	ctx := context.Background()
	c := f.calOf(user, "inbox")
	list, err := f.store.ListObjects(ctx, c.ID, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, o := range list {
		full, err := f.store.Object(ctx, c.ID, o.URI)
		if err != nil {
			f.t.Fatal(err)
		}
		cal, err := ical.Parse(full.Data)
		if err != nil {
			f.t.Fatalf("inbox message %s: %v", o.URI, err)
		}
		if anyUID(cal, uid) {
			out = append(out, cal.Props.Get("METHOD").Value)
		}
	}
	return out
}

// methods counts messages by METHOD.
func methods(l []string) map[string]int {
	m := map[string]int{}
	for _, x := range l {
		m[x]++
	}
	return m
}

func anyUID(cal *goical.Calendar, uid string) bool {
	for _, c := range cal.Children {
		if p := c.Props.Get("UID"); c.Name == "VEVENT" && p != nil && p.Value == uid {
			return true
		}
	}
	return false
}

// vevent returns the VEVENT of recurrence id rid ("" = the master).
func vevent(cal *goical.Calendar, rid string) *goical.Component {
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

// param returns a parameter of the property name (ATTENDEE, ORGANIZER)
// whose address is addr, in component c ("-" when there is no such
// property).
func param(c *goical.Component, name, addr, p string) string {
	if c == nil {
		return "-"
	}
	for _, prop := range c.Props[name] {
		if strings.EqualFold(prop.Value, "mailto:"+addr) {
			return prop.Params.Get(p)
		}
	}
	return "-"
}

func propOf(c *goical.Component, name string) string {
	if c == nil || c.Props.Get(name) == nil {
		return ""
	}
	return c.Props.Get(name).Value
}

// weekly is alice's weekly meeting (four Mondays from 7 January 2030,
// 10:00 UTC) with the given ATTENDEE lines (after "ATTENDEE") and further
// lines for the master.
func weekly(uid string, attendees []string, more ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//calendar test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20300107T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Team\r\n" +
		"ORGANIZER:mailto:alice@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n")
	for _, a := range attendees {
		b.WriteString("ATTENDEE" + a + "\r\n")
	}
	for _, m := range more {
		b.WriteString(m + "\r\n")
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// setPartstat sets addr's PARTSTAT in every component of cal.
func setPartstat(cal *goical.Calendar, addr, ps string) {
	for _, c := range cal.Children {
		for i := range c.Props["ATTENDEE"] {
			if strings.EqualFold(c.Props["ATTENDEE"][i].Value, "mailto:"+addr) {
				c.Props["ATTENDEE"][i].Params.Set("PARTSTAT", ps)
			}
		}
	}
}

// TestReplyAfterReschedule (issue 11, item 1): after the organizer moved the
// meeting (copies at SEQUENCE:1), the attendee's client answers with no
// SEQUENCE. The server knows the copy's SEQUENCE: the REPLY reaches the
// organizer, whose copy shows it, and so do later answers; the attendee's
// ORGANIZER says 1.2 (delivered), never 2.0 (item 3).
func TestReplyAfterReschedule(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newSchedFixture(t, open)
		uid := "resched@example.com"
		f.mustWrite("alice", "m.ics", weekly(uid, []string{";RSVP=TRUE:mailto:bob@example.com"}))
		f.mustWrite("alice", "m.ics", strings.Replace(weekly(uid, []string{";RSVP=TRUE:mailto:bob@example.com"}),
			"DTSTART:20300107T100000Z", "DTSTART:20300107T110000Z", 1))
		if _, b := f.mustCopy("bob", uid); propOf(vevent(b, ""), "SEQUENCE") != "1" {
			t.Fatalf("bob's copy after the reschedule:\n%s", ical.EncodeText(b))
		}
		for _, ps := range []string{"ACCEPTED", "TENTATIVE"} {
			bo, b := f.mustCopy("bob", uid)
			setPartstat(b, "bob@example.com", ps)
			vevent(b, "").Props.Del("SEQUENCE")
			if _, err := f.write("bob", bo.URI, string(ical.EncodeText(b))); err != nil {
				t.Fatalf("bob's %s: %v", ps, err)
			}
			_, a := f.mustCopy("alice", uid)
			if got := param(vevent(a, ""), "ATTENDEE", "bob@example.com", "PARTSTAT"); got != ps {
				t.Errorf("alice's copy shows bob %s after his %s without SEQUENCE:\n%s", got, ps, ical.EncodeText(a))
			}
			_, b = f.mustCopy("bob", uid)
			if st := param(vevent(b, ""), "ORGANIZER", "alice@example.com", "SCHEDULE-STATUS"); st != scheduling.StatusDelivered {
				t.Errorf("bob's ORGANIZER has SCHEDULE-STATUS %q after his %s, want 1.2 (delivered)", st, ps)
			}
			if seq := propOf(vevent(b, ""), "SEQUENCE"); seq != "1" {
				t.Errorf("bob's copy stored with SEQUENCE %q, want the organizer's 1", seq)
			}
		}
		if got := f.inbox("alice", uid); len(got) != 2 || got[0] != "REPLY" || got[1] != "REPLY" {
			t.Errorf("alice's inbox about %s: %v, want two REPLY messages", uid, got)
		}
	})
}

// TestRoomAnswerOnEveryInstance (issue 11, items 2 and 3): the organizer
// adds an override and re-invites the room (SEQUENCE:1, NEEDS-ACTION
// everywhere). The room accepts both; the organizer's copy shows ACCEPTED
// on the master and the override as the PUT returns, SCHEDULE-STATUS 1.2;
// the room's copy says its answer was delivered (1.2 on ORGANIZER).
func TestRoomAnswerOnEveryInstance(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newSchedFixture(t, open)
		uid := "room-override@example.com"
		room := ";CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:room101@example.com"
		f.mustWrite("alice", "m.ics", weekly(uid, []string{room}))
		override := "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20300114T100000Z\r\n" +
			"DTSTART:20300114T140000Z\r\nDURATION:PT1H\r\nSUMMARY:Team (moved)\r\nSEQUENCE:1\r\nORGANIZER:mailto:alice@example.com\r\n" +
			"ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\nATTENDEE" + room
		f.mustWrite("alice", "m.ics", weekly(uid, []string{room}, "SEQUENCE:1", override))
		_, a := f.mustCopy("alice", uid)
		for _, rid := range []string{"", "20300114T100000Z"} {
			c := vevent(a, rid)
			ps, st := param(c, "ATTENDEE", "room101@example.com", "PARTSTAT"), param(c, "ATTENDEE", "room101@example.com", "SCHEDULE-STATUS")
			if ps != "ACCEPTED" || st != scheduling.StatusDelivered {
				t.Errorf("alice's copy, instance %q: the room is %s with SCHEDULE-STATUS %s, want ACCEPTED 1.2:\n%s", rid, ps, st, ical.EncodeText(a))
			}
		}
		_, r := f.mustCopy("room-101", uid)
		if st := param(vevent(r, ""), "ORGANIZER", "alice@example.com", "SCHEDULE-STATUS"); st != scheduling.StatusDelivered {
			t.Errorf("the room's ORGANIZER has SCHEDULE-STATUS %q, want 1.2 (its answer was delivered)", st)
		}
	})
}

// TestScheduleTagGoesWithScheduling (issue 11, item 4): when the organizer
// removes ORGANIZER and ATTENDEEs, the object is no scheduling object
// resource any more: no Schedule-Tag, returned or stored.
func TestScheduleTagGoesWithScheduling(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newSchedFixture(t, open)
		uid := "untag@example.com"
		if res := f.mustWrite("alice", "m.ics", weekly(uid, []string{":mailto:bob@example.com"})); res.ScheduleTag == "" {
			t.Fatal("no Schedule-Tag on a scheduling object resource")
		}
		plain := strings.Replace(event(uid, "20300107T100000Z"), "SUMMARY", "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY", 1)
		res := f.mustWrite("alice", "m.ics", plain)
		o, _ := f.mustCopy("alice", uid)
		if res.ScheduleTag != "" || o.Index.ScheduleTag != "" {
			t.Errorf("Schedule-Tag %q returned, %q stored for an object that is no scheduling object resource", res.ScheduleTag, o.Index.ScheduleTag)
		}
		if _, b := f.mustCopy("bob", uid); propOf(vevent(b, ""), "STATUS") != "CANCELLED" {
			t.Errorf("bob's copy was not cancelled when alice dropped the attendees:\n%s", ical.EncodeText(b))
		}
	})
}

// TestPlainCopyOfAMeeting (issue 11, item 5): bob may store a copy of
// alice's meeting he is not invited to (RFC 6638 §3.1: no scheduling
// object resource for him; nobody is told); a meeting in alice's name
// that she never made, with attendees to notify, is still refused.
func TestPlainCopyOfAMeeting(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newSchedFixture(t, open)
		uid := "copy@example.com"
		meeting := weekly(uid, []string{":mailto:carol@example.com"})
		f.mustWrite("alice", "m.ics", meeting)
		aliceBefore, _ := f.mustCopy("alice", uid)
		res, err := f.write("bob", "copy.ics", meeting)
		if err != nil {
			t.Fatalf("bob's plain copy of alice's meeting was refused: %v", err)
		}
		if res.ScheduleTag != "" {
			t.Errorf("bob's plain copy has a Schedule-Tag %q", res.ScheduleTag)
		}
		if got := f.inbox("carol", uid); len(got) != 1 {
			t.Errorf("carol's inbox about %s: %v, want alice's one REQUEST", uid, got)
		}
		if after, _ := f.mustCopy("alice", uid); after.ETag != aliceBefore.ETag {
			t.Error("bob's copy changed alice's meeting")
		}

		forged := weekly("forged@example.com", []string{":mailto:carol@example.com"})
		_, err = f.write("bob", "forged.ics", forged)
		var se *scheduling.Error
		if !errors.As(err, &se) || se.Condition != scheduling.CondOrganizerChange {
			t.Fatalf("a meeting in alice's name made by bob: %v, want %s", err, scheduling.CondOrganizerChange)
		}
		if o, _ := f.copyOf("bob", "forged@example.com"); o != nil {
			t.Error("the refused meeting was stored")
		}
		if got := f.inbox("carol", "forged@example.com"); len(got) != 0 {
			t.Errorf("carol was invited by the forged meeting: %v", got)
		}
	})
}

// TestCancelledMeetingStaysVisible (issue 11, item 6): an occurrence the
// organizer cancels stays in the attendee's copy as a cancelled override,
// the cancelled series as STATUS:CANCELLED; neither is busy time; each
// change is its own inbox message; the attendee may then delete the copy
// without answering.
func TestCancelledMeetingStaysVisible(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newSchedFixture(t, open)
		ctx := context.Background()
		uid := "cancel@example.com"
		bob := []string{";RSVP=TRUE:mailto:bob@example.com"}
		f.mustWrite("alice", "m.ics", weekly(uid, bob))
		f.mustWrite("alice", "m.ics", weekly(uid, bob, "EXDATE:20300114T100000Z"))
		_, b := f.mustCopy("bob", uid)
		if propOf(vevent(b, "20300114T100000Z"), "STATUS") != "CANCELLED" {
			t.Errorf("bob's copy has no cancelled override for the occurrence alice cancelled:\n%s", ical.EncodeText(b))
		}
		// The invitation, the CANCEL of the occurrence and the series at
		// its new SEQUENCE: three messages, none overwriting another.
		if got := methods(f.inbox("bob", uid)); got["REQUEST"] != 2 || got["CANCEL"] != 1 {
			t.Errorf("bob's inbox about %s after the invitation and one cancelled occurrence: %v, want 2 REQUEST, 1 CANCEL", uid, got)
		}

		org, _ := f.mustCopy("alice", uid)
		if err := f.svc.Delete(ctx, &calendar.DeleteRequest{Owner: f.alice, Calendar: f.calendar("calendar"), URI: org.URI}); err != nil {
			t.Fatal(err)
		}
		bo, b := f.mustCopy("bob", uid)
		if propOf(vevent(b, ""), "STATUS") != "CANCELLED" {
			t.Errorf("bob's copy after alice cancelled the series is not STATUS:CANCELLED:\n%s", ical.EncodeText(b))
		}
		if got := methods(f.inbox("bob", uid)); got["REQUEST"] != 2 || got["CANCEL"] != 2 {
			t.Errorf("bob's inbox about %s after the series was cancelled: %v, want 2 REQUEST, 2 CANCEL", uid, got)
		}
		busy, err := f.svc.BusyTime(ctx, []*backend.Calendar{f.calOf("bob", "calendar")},
			time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, bs := range busy {
			if len(bs) > 0 {
				t.Errorf("the cancelled meeting is busy time for bob: %v", bs)
			}
		}
		if err := f.svc.Delete(ctx, &calendar.DeleteRequest{Owner: f.users["bob"], Calendar: f.calOf("bob", "calendar"), URI: bo.URI}); err != nil {
			t.Fatalf("bob cannot delete the cancelled meeting: %v", err)
		}
		if got := f.inbox("alice", uid); len(got) != 0 {
			t.Errorf("bob's deletion of a cancelled meeting sent alice %v", got)
		}
	})
}
