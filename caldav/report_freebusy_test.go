package caldav

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// freeBusy runs a free-busy-query and returns "FBTYPE period" strings,
// sorted, after checking the VFREEBUSY frame.
func freeBusy(t *testing.T, ts *testServer, path, start, end string) []string {
	t.Helper()
	body := `<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="` + start + `" end="` + end + `"/></C:free-busy-query>`
	resp, b := ts.must(http.StatusOK, "bob", "REPORT", path, body, "Depth", "1")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("Content-Type %q", ct)
	}
	cal, err := ical.Parse([]byte(b))
	if err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, b)
	}
	fbs := children(cal.Component, "VFREEBUSY")
	if len(fbs) != 1 || propValue(fbs[0], "DTSTART") != start || propValue(fbs[0], "DTEND") != end || propValue(fbs[0], "DTSTAMP") == "" {
		t.Fatalf("bad VFREEBUSY frame:\n%s", b)
	}
	var out []string
	for _, p := range fbs[0].Props.Values("FREEBUSY") {
		for _, v := range strings.Split(p.Value, ",") {
			out = append(out, p.Params.Get("FBTYPE")+" "+v)
		}
	}
	sort.Strings(out)
	return out
}

// TestRFC4791FreeBusyExample answers RFC 4791 §7.10.1 on Appendix B:
// abcd3 tentative, abcd2's occurrences busy (the Jan 4 one moved to
// 14:00 EST), abcd8's stored BUSY-UNAVAILABLE period; tasks ignored.
func TestRFC4791FreeBusyExample(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)
	got := freeBusy(t, ts, workPath, "20060104T140000Z", "20060105T220000Z")
	want := []string{
		"BUSY 20060104T190000Z/20060104T200000Z",
		"BUSY 20060105T170000Z/20060105T180000Z",
		"BUSY-TENTATIVE 20060104T150000Z/20060104T160000Z",
		"BUSY-UNAVAILABLE 20060105T100000Z/20060105T120000Z",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("free-busy\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFreeBusyHomeAndRules covers the home-wide query (transparent
// calendars left out), TRANSP, STATUS:CANCELLED, merging and clipping.
func TestFreeBusyHomeAndRules(t *testing.T) {
	ts := newTestServer(t)
	cal := "/dav/calendars/users/bob/calendar/"
	ts.put("bob", cal+"a.ics", event("a", "20260105T090000Z", "A")) // 09-10
	ts.put("bob", cal+"b.ics", event("b", "20260105T093000Z", "B")) // 09:30-10:30, merged with a
	ts.put("bob", cal+"c.ics", strings.Replace(event("c", "20260105T120000Z", "C"), "SUMMARY", "TRANSP:TRANSPARENT\r\nSUMMARY", 1))
	ts.put("bob", cal+"d.ics", strings.Replace(event("d", "20260105T130000Z", "D"), "SUMMARY", "STATUS:CANCELLED\r\nSUMMARY", 1))
	ts.put("bob", cal+"e.ics", event("e", "20260105T235000Z", "E")) // clipped at the range end
	// A transparent calendar counts for its own query, not the home's.
	hidden := &backend.Calendar{PrincipalID: ts.users["bob"].ID, URI: "hidden", Kind: backend.CollectionCalendar,
		Components: []string{"VEVENT"}, Transparent: true}
	if err := ts.store.CreateCalendar(context.Background(), hidden, nil); err != nil {
		t.Fatal(err)
	}
	ts.put("bob", "/dav/calendars/users/bob/hidden/h.ics", event("h", "20260105T150000Z", "H"))

	want := "BUSY 20260105T090000Z/20260105T103000Z|BUSY 20260105T235000Z/20260106T000000Z"
	if got := strings.Join(freeBusy(t, ts, cal, "20260105T000000Z", "20260106T000000Z"), "|"); got != want {
		t.Errorf("calendar: %s\nwant %s", got, want)
	}
	if got := strings.Join(freeBusy(t, ts, "/dav/calendars/users/bob/", "20260105T000000Z", "20260106T000000Z"), "|"); got != want {
		t.Errorf("home: %s\nwant %s", got, want)
	}
	if got := strings.Join(freeBusy(t, ts, "/dav/calendars/users/bob/hidden/", "20260105T000000Z", "20260106T000000Z"), "|"); got != "BUSY 20260105T150000Z/20260105T160000Z" {
		t.Errorf("transparent calendar itself: %s", got)
	}

	for _, body := range []string{
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260105T000000Z"/></C:free-busy-query>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260106T000000Z" end="20260105T000000Z"/></C:free-busy-query>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260105" end="20260106T000000Z"/></C:free-busy-query>`,
	} {
		if resp, b := ts.do("bob", "REPORT", cal, body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400\n%s", body, resp.StatusCode, b)
		}
	}
	if resp, b := ts.do("alice", "REPORT", cal, `<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260105T000000Z" end="20260106T000000Z"/></C:free-busy-query>`); resp.StatusCode != http.StatusForbidden || strings.Contains(b, "BUSY") {
		t.Errorf("alice on bob's calendar: %d %s", resp.StatusCode, b)
	}
}
