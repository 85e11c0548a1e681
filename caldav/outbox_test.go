package caldav

import (
	"context"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// addRoom creates a room principal with a provisioned home, the way the
// admin command and the first delivery do.
func addRoom(t *testing.T, ts *testServer, name, email string, capacity int, location string) *backend.Principal {
	t.Helper()
	ctx := context.Background()
	room := &backend.Principal{Kind: backend.KindRoom, Name: name, DisplayName: name, Emails: []string{email},
		Capacity: capacity, Location: location}
	if err := ts.store.CreatePrincipal(ctx, room, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.ProvisionHome(ctx, room.ID, []*backend.Calendar{
		{URI: "calendar", Kind: backend.CollectionCalendar, DisplayName: "Calendar", Components: []string{"VEVENT"}},
		{URI: "inbox", Kind: backend.CollectionInbox, DisplayName: "Inbox"},
		{URI: "outbox", Kind: backend.CollectionOutbox, DisplayName: "Outbox"},
	}); err != nil {
		t.Fatal(err)
	}
	return room
}

// storeObject writes an object straight into a principal's calendar, for
// principals that cannot log in (rooms).
func storeObject(t *testing.T, ts *testServer, p *backend.Principal, calURI, uri, ics string) {
	t.Helper()
	ctx := context.Background()
	c, err := ts.store.Calendar(ctx, p.ID, calURI)
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := ts.svc().Prepare(c, uri, []byte(ics))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.PutObject(ctx, &backend.PutObjectRequest{CalendarID: c.ID, Object: obj}); err != nil {
		t.Fatal(err)
	}
}

// fbRequest is a VFREEBUSY REQUEST as Apple Calendar and Thunderbird send
// it to the outbox (RFC 6638 §5, RFC 5546 §3.3.2).
func fbRequest(organizer, start, end string, attendees ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n" +
		"UID:fb-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + start + "\r\nDTEND:" + end + "\r\nORGANIZER:" + organizer + "\r\n")
	for _, a := range attendees {
		b.WriteString("ATTENDEE:" + a + "\r\n")
	}
	b.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// scheduleResponse is a decoded C:schedule-response (RFC 6638 §10.1).
type scheduleResponse struct {
	XMLName   xml.Name `xml:"urn:ietf:params:xml:ns:caldav schedule-response"`
	Responses []struct {
		Recipient struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav recipient"`
		Status string `xml:"urn:ietf:params:xml:ns:caldav request-status"`
		Data   string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
	} `xml:"urn:ietf:params:xml:ns:caldav response"`
}

// fbAnswer is what one recipient got: REQUEST-STATUS and "FBTYPE period"
// strings, sorted.
type fbAnswer struct {
	status  string
	periods []string
	data    string
}

// postFreeBusy POSTs body to path as user, expects 200 and a
// schedule-response, and returns the answers by recipient href, checking
// each REPLY's frame.
func postFreeBusy(t *testing.T, ts *testServer, user, path, body string, headers ...string) (map[string]fbAnswer, []string) {
	t.Helper()
	headers = append([]string{"Content-Type", "text/calendar; charset=utf-8"}, headers...)
	resp, b := ts.must(http.StatusOK, user, "POST", path, body, headers...)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Fatalf("Content-Type %q", ct)
	}
	var sr scheduleResponse
	if err := xml.Unmarshal([]byte(b), &sr); err != nil {
		t.Fatalf("schedule-response does not decode: %v\n%s", err, b)
	}
	out := map[string]fbAnswer{}
	var order []string
	for _, r := range sr.Responses {
		a := fbAnswer{status: r.Status, data: r.Data}
		order = append(order, r.Recipient.Href)
		if r.Data != "" {
			cal, err := ical.Parse([]byte(r.Data))
			if err != nil {
				t.Fatalf("calendar-data of %s does not parse: %v\n%s", r.Recipient.Href, err, r.Data)
			}
			fbs := children(cal.Component, "VFREEBUSY")
			if propValue(cal.Component, "METHOD") != "REPLY" || len(fbs) != 1 || len(cal.Children) != 1 ||
				propValue(fbs[0], "ATTENDEE") != r.Recipient.Href || propValue(fbs[0], "UID") != "fb-1" {
				t.Fatalf("bad REPLY for %s:\n%s", r.Recipient.Href, r.Data)
			}
			for _, p := range fbs[0].Props.Values("FREEBUSY") {
				for _, v := range strings.Split(p.Value, ",") {
					a.periods = append(a.periods, p.Params.Get("FBTYPE")+" "+v)
				}
			}
			sort.Strings(a.periods)
		}
		out[r.Recipient.Href] = a
	}
	return out, order
}

const (
	alicePath  = "/dav/calendars/users/alice/"
	aliceOut   = alicePath + "outbox/"
	bobCal     = "/dav/calendars/users/bob/calendar/"
	fbStart    = "20260105T000000Z"
	fbEnd      = "20260120T000000Z"
	secretWord = "Dentist-Secret"
)

// loadBusyWeek stores the events the free-busy tests ask about and
// returns the room.
func loadBusyWeek(t *testing.T, ts *testServer) *backend.Principal {
	t.Helper()
	with := func(ics, extra string) string { return strings.Replace(ics, "SUMMARY", extra+"\r\nSUMMARY", 1) }
	// bob: busy, tentative, transparent, and a weekly series whose second
	// occurrence is cancelled by an override.
	ts.put("bob", bobCal+"a.ics", with(event("a", "20260105T090000Z", secretWord), "LOCATION:Secret Street"))
	ts.put("bob", bobCal+"t.ics", with(event("t", "20260106T090000Z", "Maybe"), "STATUS:TENTATIVE"))
	ts.put("bob", bobCal+"x.ics", with(event("x", "20260105T120000Z", "Lunch"), "TRANSP:TRANSPARENT"))
	ts.put("bob", bobCal+"w.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\n"+
		"BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T140000Z\r\nDURATION:PT1H\r\n"+
		"RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n"+
		"BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20260112T140000Z\r\nDTSTART:20260112T140000Z\r\n"+
		"DURATION:PT1H\r\nSTATUS:CANCELLED\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	// A transparent calendar of bob's does not count (RFC 6638 §9.1).
	hidden := &backend.Calendar{PrincipalID: ts.users["bob"].ID, URI: "hidden", Kind: backend.CollectionCalendar,
		Components: []string{"VEVENT"}, Transparent: true}
	if err := ts.store.CreateCalendar(context.Background(), hidden, nil); err != nil {
		t.Fatal(err)
	}
	ts.put("bob", "/dav/calendars/users/bob/hidden/h.ics", event("h", "20260107T150000Z", "Hidden"))
	// alice: one meeting.
	ts.put("alice", alicePath+"calendar/m.ics", event("m", "20260106T100000Z", "Alice meeting"))
	// The room: one booking.
	room := addRoom(t, ts, "room101", "room101@example.com", 8, "First floor")
	storeObject(t, ts, room, "calendar", "r.ics", event("r", "20260107T110000Z", "Board meeting"))
	return room
}

// TestOutboxFreeBusy is the free-busy POST of RFC 6638 §5 for two users, a
// room and an unknown address: busy periods only, transparency and
// cancelled occurrences honoured, 3.7 for the stranger.
func TestOutboxFreeBusy(t *testing.T) {
	ts := newTestServer(t)
	loadBusyWeek(t, ts)
	got, order := postFreeBusy(t, ts, "alice", aliceOut, fbRequest("mailto:alice@example.com", fbStart, fbEnd,
		"mailto:alice@example.com", "mailto:Bob@Example.com", "mailto:room101@example.com", "mailto:nobody@example.com"))

	if strings.Join(order, " ") != "mailto:alice@example.com mailto:Bob@Example.com mailto:room101@example.com mailto:nobody@example.com" {
		t.Errorf("recipients in order %v", order)
	}
	want := map[string]string{
		"mailto:alice@example.com": "BUSY 20260106T100000Z/20260106T110000Z",
		"mailto:Bob@Example.com": "BUSY 20260105T090000Z/20260105T100000Z|BUSY 20260105T140000Z/20260105T150000Z|" +
			"BUSY 20260119T140000Z/20260119T150000Z|BUSY-TENTATIVE 20260106T090000Z/20260106T100000Z",
		"mailto:room101@example.com": "BUSY 20260107T110000Z/20260107T120000Z",
	}
	for addr, w := range want {
		a := got[addr]
		if a.status != "2.0;Success" || strings.Join(a.periods, "|") != w {
			t.Errorf("%s: %s %v\nwant %s", addr, a.status, a.periods, w)
		}
		for _, leak := range []string{secretWord, "Secret Street", "Weekly", "Board meeting", "Alice meeting", "SUMMARY", "LOCATION"} {
			if strings.Contains(a.data, leak) {
				t.Errorf("%s: the reply leaks %q:\n%s", addr, leak, a.data)
			}
		}
	}
	if a := got["mailto:nobody@example.com"]; a.status != "3.7;Invalid calendar user" || a.data != "" {
		t.Errorf("unknown recipient: %+v", a)
	}

	// A principal URL is a calendar user address too (calendar-user-address-set).
	got, _ = postFreeBusy(t, ts, "alice", aliceOut, fbRequest("mailto:alice@example.com", fbStart, fbEnd,
		ts.srv.URL+"/dav/principals/users/bob/", "/dav/principals/rooms/nope/"))
	if a := got[ts.srv.URL+"/dav/principals/users/bob/"]; a.status != "2.0;Success" || len(a.periods) != 4 {
		t.Errorf("bob by principal URL: %+v", a)
	}
	if a := got["/dav/principals/rooms/nope/"]; a.status != "3.7;Invalid calendar user" {
		t.Errorf("unknown principal URL: %+v", a)
	}
}

// TestOutboxFreeBusyBeyondHorizon asks about a week past the index
// horizon: the open-ended series is expanded on the fly, as in
// free-busy-query.
func TestOutboxFreeBusyBeyondHorizon(t *testing.T) {
	ts := newTestServer(t)
	ts.put("bob", bobCal+"s.ics", strings.Replace(event("s", "20260105T080000Z", "Standup"), "SUMMARY", "RRULE:FREQ=WEEKLY\r\nSUMMARY", 1))
	got, _ := postFreeBusy(t, ts, "alice", aliceOut, fbRequest("mailto:alice@example.com", "20400102T000000Z", "20400109T000000Z",
		"mailto:bob@example.com"))
	// 2040-01-02 is a Monday.
	if a := got["mailto:bob@example.com"]; strings.Join(a.periods, "|") != "BUSY 20400102T080000Z/20400102T090000Z" {
		t.Errorf("beyond the horizon: %+v", a)
	}
}

// TestOutboxThunderbirdHeaders: the old-draft Originator and Recipient
// headers are accepted (as Thunderbird sends them): Recipient addresses
// are answered with the ATTENDEEs, each once; a foreign Originator is
// refused.
func TestOutboxThunderbirdHeaders(t *testing.T) {
	ts := newTestServer(t)
	loadBusyWeek(t, ts)
	body := fbRequest("mailto:alice@example.com", fbStart, fbEnd, "mailto:bob@example.com")
	got, order := postFreeBusy(t, ts, "alice", aliceOut, body,
		"Originator", "mailto:alice@example.com", "Recipient", "mailto:bob@example.com, mailto:room101@example.com")
	if len(order) != 2 || got["mailto:bob@example.com"].status != "2.0;Success" || got["mailto:room101@example.com"].status != "2.0;Success" {
		t.Errorf("with headers: %v %+v", order, got)
	}
	resp, b := ts.do("alice", "POST", aliceOut, body, "Content-Type", "text/calendar", "Originator", "mailto:bob@example.com")
	if resp.StatusCode != http.StatusForbidden || errorCondition(t, b) != dx.CalDAVName("originator-allowed") {
		t.Errorf("foreign Originator: %d %s", resp.StatusCode, b)
	}
	// No Content-Type at all is accepted too.
	if resp, b := ts.do("alice", "POST", aliceOut, body); resp.StatusCode != http.StatusOK {
		t.Errorf("without Content-Type: %d %s", resp.StatusCode, b)
	}
}

// TestOutboxRefusals covers the preconditions of the outbox POST.
func TestOutboxRefusals(t *testing.T) {
	ts := newTestServer(t)
	ok := fbRequest("mailto:alice@example.com", fbStart, fbEnd, "mailto:bob@example.com")
	many := make([]string, maxFreeBusyRecipients+1)
	for i := range many {
		many[i] = "mailto:u" + strconv.Itoa(i) + "@example.com"
	}
	vevent := strings.Replace(event("e", "20260105T090000Z", "Invite"), "VERSION:2.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n", 1)
	vevent = strings.Replace(vevent, "SUMMARY", "ORGANIZER:mailto:alice@example.com\r\nATTENDEE:mailto:bob@example.com\r\nSUMMARY", 1)
	tests := []struct {
		name, user, path, body string
		headers                []string
		status                 int
		cond                   xml.Name
	}{
		{"too many recipients", "alice", aliceOut, fbRequest("mailto:alice@example.com", fbStart, fbEnd, many...), nil,
			http.StatusForbidden, dx.CalDAVName("max-attendees-per-instance")},
		{"organizer is someone else", "alice", aliceOut, fbRequest("mailto:bob@example.com", fbStart, fbEnd, "mailto:alice@example.com"), nil,
			http.StatusForbidden, dx.CalDAVName("organizer-allowed")},
		{"someone else's outbox", "bob", aliceOut, ok, nil, http.StatusForbidden, dx.DAVName("need-privileges")},
		{"an invitation", "alice", aliceOut, vevent, nil, http.StatusForbidden, dx.CalDAVName("valid-scheduling-message")},
		{"no METHOD", "alice", aliceOut, strings.Replace(ok, "METHOD:REQUEST\r\n", "", 1), nil,
			http.StatusForbidden, dx.CalDAVName("valid-scheduling-message")},
		{"no DTEND", "alice", aliceOut, strings.Replace(ok, "DTEND:"+fbEnd+"\r\n", "", 1), nil,
			http.StatusForbidden, dx.CalDAVName("valid-scheduling-message")},
		{"not iCalendar", "alice", aliceOut, "hello", nil, http.StatusBadRequest, dx.CalDAVName("valid-calendar-data")},
		// RFC 5546 §3.3.2: a free-busy REQUEST holds exactly one VFREEBUSY;
		// answering the first of two would silently drop the second.
		{"two VFREEBUSY", "alice", aliceOut, strings.Replace(ok, "END:VCALENDAR",
			strings.TrimPrefix(fbRequest("mailto:alice@example.com", fbStart, fbEnd, "mailto:carol@example.com"),
				"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nMETHOD:REQUEST\r\n"), 1), nil,
			http.StatusForbidden, dx.CalDAVName("valid-calendar-data")},
		{"wrong media type", "alice", aliceOut, ok, []string{"Content-Type", "application/json"},
			http.StatusUnsupportedMediaType, dx.CalDAVName("supported-calendar-data")},
		{"a calendar", "alice", alicePath + "calendar/", ok, nil, http.StatusMethodNotAllowed, dx.CalDAVName("supported-collection")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := ts.do(tt.user, "POST", tt.path, tt.body, tt.headers...)
			if resp.StatusCode != tt.status || errorCondition(t, b) != tt.cond {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, b, tt.status, tt.cond.Local)
			}
			if strings.Contains(b, "FBTYPE") || strings.Contains(b, "schedule-response") {
				t.Errorf("refusal carries free-busy: %s", b)
			}
		})
	}
	big := strings.Replace(ok, "UID:fb-1", "UID:"+strings.Repeat("x", 1<<20), 1)
	if resp, b := ts.do("alice", "POST", aliceOut, big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d %s", resp.StatusCode, b)
	}
	if resp, _ := ts.do("alice", "POST", alicePath+"calendar/", ok); !strings.Contains(resp.Header.Get("Allow"), "PROPFIND") ||
		strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Errorf("405 Allow: %q", resp.Header.Get("Allow"))
	}
}
