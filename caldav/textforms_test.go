package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// textForm is one way clients write the same kind of event: the server
// must find it in every output, not only where it parses the text itself.
type textForm struct {
	name string
	data string
}

// textForms are events in the forms clients really send: a UTF-8
// byte-order mark (Windows tools), bare LF line endings, folded lines
// (one inside a multi-byte character), parameters in quotes holding ':',
// ';' and ',', lower-case names, and all of them at once.
func textForms() []textForm {
	body := func(uid string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
			"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T100000Z\r\nDURATION:PT1H\r\nSUMMARY:Form " + uid +
			"\r\nATTENDEE;CN=\"Doe, Jane: Room; 1\";PARTSTAT=ACCEPTED:mailto:jane@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	lf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
	fold := func(s string) string {
		s = strings.Replace(s, "SUMMARY:Form ", "SUMMARY:Fo\r\n rm ", 1)
		return strings.Replace(s, "DURATION:PT1H\r\n", "DURATION:PT1H\r\nLOCATION:Caf\xc3\r\n \xa9 du coin\r\n", 1)
	}
	lower := func(s string) string {
		for _, n := range []string{"BEGIN:VEVENT", "END:VEVENT", "SUMMARY:", "DURATION:"} {
			s = strings.Replace(s, n, strings.ToLower(n[:strings.IndexAny(n, ":")])+n[strings.IndexAny(n, ":"):], 1)
		}
		return s
	}
	return []textForm{
		{"crlf", body("crlf")},
		{"bom", "\ufeff" + body("bom")},
		{"lf", lf(body("lf"))},
		{"folded", fold(body("folded"))},
		{"lowercase", lower(body("lowercase"))},
		{"all", "\ufeff" + lf(lower(fold(body("all"))))},
	}
}

// checkForms fails unless cal holds each form's event with its summary,
// its quoted parameter and, for folded ones, the unfolded location.
func checkForms(t *testing.T, where string, cal *goical.Calendar, forms []textForm) {
	t.Helper()
	got := map[string]*goical.Component{}
	for _, c := range cal.Children {
		if c.Name == goical.CompEvent {
			got[c.Props.Get("UID").Value] = c
		}
	}
	for _, f := range forms {
		c := got[f.name]
		if c == nil {
			t.Errorf("%s: the %s event is missing (has %v)", where, f.name, keys(got))
			continue
		}
		if s := c.Props.Get("SUMMARY"); s == nil || s.Value != "Form "+f.name {
			t.Errorf("%s: the %s event's SUMMARY is %+v", where, f.name, s)
		}
		if a := c.Props.Get("ATTENDEE"); a == nil || a.Params.Get("CN") != "Doe, Jane: Room; 1" || a.Value != "mailto:jane@example.com" {
			t.Errorf("%s: the %s event's ATTENDEE is %+v", where, f.name, a)
		}
		if strings.Contains(f.data, "LOCATION") {
			if l := c.Props.Get("LOCATION"); l == nil || l.Value != "Café du coin" {
				t.Errorf("%s: the %s event's LOCATION is %+v", where, f.name, l)
			}
		}
	}
}

// TestTextFormsReachEveryOutput: an object stored with a byte-order mark,
// LF line endings, folded lines, quoted parameters or lower-case names is
// found by calendar-query and is in the collection's GET, the export and
// the subscription feed alike.
func TestTextFormsReachEveryOutput(t *testing.T) {
	ts := newTestServer(t)
	forms := textForms()
	for _, f := range forms {
		ts.must(201, "alice", "PUT", cal+f.name+".ics", f.data, "Content-Type", "text/calendar")
	}
	c := ts.calendarOf("alice", "calendar")

	_, body := ts.must(200, "alice", "GET", cal, "")
	checkForms(t, "collection GET", parseFeed(t, body), forms)

	var exported bytes.Buffer
	if _, err := ts.svc().Export(context.Background(), &exported, c, calendar.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkForms(t, "export", parseFeed(t, exported.String()), forms)

	tok, err := backend.NewFeedToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.CreateFeed(context.Background(), &backend.Feed{CalendarID: c.ID, Token: tok, Private: backend.FeedFull}); err != nil {
		t.Fatal(err)
	}
	_, body = ts.must(200, "", "GET", calendar.FeedPath(tok), "", "Accept-Encoding", "identity")
	checkForms(t, "feed", parseFeed(t, body), forms)

	ms := ts.report("alice", cal, `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20260302T000000Z" end="20260303T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`)
	merged := &goical.Calendar{Component: goical.NewComponent(goical.CompCalendar)}
	for _, f := range forms {
		r := ms.response(cal + f.name + ".ics")
		if r == nil {
			t.Errorf("calendar-query: no response for the %s event", f.name)
			continue
		}
		_, inner, ok := r.prop(xml.Name{Space: dx.NSCalDAV, Local: "calendar-data"})
		if !ok {
			t.Errorf("calendar-query: no calendar-data for the %s event", f.name)
			continue
		}
		data, err := ical.Parse([]byte(html.UnescapeString(inner)))
		if err != nil {
			t.Errorf("calendar-query: the %s event's calendar-data does not parse: %v", f.name, err)
			continue
		}
		merged.Children = append(merged.Children, data.Children...)
	}
	checkForms(t, "calendar-query", merged, forms)
}
