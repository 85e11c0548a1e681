package caldav

import (
	"fmt"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// TestPutInvalidData: data RFC 5545 forbids and no real producer writes is
// refused with its precondition and not stored (issue 11, item 11).
func TestPutInvalidData(t *testing.T) {
	ts := newTestServer(t)
	base := event("v", "20260301T100000Z", "Valid")
	with := func(old, new string) string { return strings.Replace(base, old, new, 1) }
	cases := []struct{ name, body, cond string }{
		{"Latin-1 byte", with("SUMMARY:Valid", "SUMMARY:Caf\xe9"), "valid-calendar-data"},
		{"unknown escape", with("SUMMARY:Valid", `SUMMARY:a\tb`), "valid-calendar-data"},
		{"lone backslash", with("SUMMARY:Valid", `SUMMARY:a\`), "valid-calendar-data"},
		{"duration P1DT", with("DURATION:PT1H", "DURATION:P1DT"), "valid-calendar-data"},
		{"duration PT", with("DURATION:PT1H", "DURATION:PT"), "valid-calendar-data"},
		{"floating ACKNOWLEDGED", with("END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"+
			"TRIGGER:-PT5M\r\nACKNOWLEDGED:20260301T095500\r\nEND:VALARM\r\nEND:VEVENT"), "valid-calendar-data"},
		{"unknown TZID without VTIMEZONE", with("DTSTART:20260301T100000Z", "DTSTART;TZID=Nowhere/Atlantis:20260301T100000"), "valid-timezone"},
	}
	for i, c := range cases {
		path := cal + fmt.Sprintf("bad-%d.ics", i)
		resp, body := ts.do("alice", "PUT", path, c.body, "Content-Type", "text/calendar")
		if resp.StatusCode != 403 {
			t.Errorf("%s: status %d, want 403\n%s", c.name, resp.StatusCode, body)
			continue
		}
		if got := errorCondition(t, body); got != dx.CalDAVName(c.cond) {
			t.Errorf("%s: condition %v, want %s", c.name, got, c.cond)
		}
		ts.must(404, "alice", "GET", path, "")
	}
	// The same TZID with its VTIMEZONE is the object's own zone.
	own := strings.Replace(with("DTSTART:20260301T100000Z", "DTSTART;TZID=Nowhere/Atlantis:20260301T100000"),
		"BEGIN:VEVENT", "BEGIN:VTIMEZONE\r\nTZID:Nowhere/Atlantis\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"+
			"TZOFFSETFROM:-0300\r\nTZOFFSETTO:-0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT", 1)
	ts.put("alice", cal+"own-zone.ics", own)
}

// TestPutRepairsWhatProducersWrite: a VEVENT without DTSTAMP (Thunderbird,
// khal) and a TEXT value with \" (Podio) are stored repaired, so that
// every client reads them: DTSTAMP is the time of the write, the quote
// loses its backslash, and no ETag is returned since the stored text is
// not what was sent (RFC 4791 §5.3.4).
func TestPutRepairsWhatProducersWrite(t *testing.T) {
	ts := newTestServer(t)
	sent := strings.Replace(event("r", "20260301T100000Z", `Meet \"Bob\"\, \\"x`), "DTSTAMP:20260101T000000Z\r\n", "", 1)
	resp, body := ts.do("alice", "PUT", cal+"r.ics", sent, "Content-Type", "text/calendar")
	if resp.StatusCode != 201 {
		t.Fatalf("PUT %d %s", resp.StatusCode, body)
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		t.Errorf("ETag %s returned for a repaired object", etag)
	}
	_, got := ts.must(200, "alice", "GET", cal+"r.ics", "")
	if !strings.Contains(got, "SUMMARY:Meet \"Bob\"\\, \\\\\"x\r\n") {
		t.Errorf("escaped quotes not repaired (an escaped backslash before a quote kept):\n%s", got)
	}
	back, err := ical.Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	ev := back.Children[0]
	if ev.Props.Get("DTSTAMP") == nil || !strings.HasSuffix(ev.Props.Get("DTSTAMP").Value, "Z") {
		t.Errorf("stored VEVENT has no UTC DTSTAMP:\n%s", got)
	}
	if strings.Count(got, "DTSTAMP") != 1 {
		t.Errorf("DTSTAMP written more than once:\n%s", got)
	}
}
