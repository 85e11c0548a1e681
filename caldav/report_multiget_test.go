package caldav

import (
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// TestRFC4791MultigetExample answers RFC 4791 §7.9.1: abcd1 with its ETag
// and data, 404 for the missing mtg1.ics.
func TestRFC4791MultigetExample(t *testing.T) {
	ts := newTestServer(t)
	etags := loadAppendixB(t, ts)
	ms := ts.report("bob", workPath, rfcBody(t, "7.9.1"))
	wantHrefs(t, ms, "abcd1.ics", "mtg1.ics")
	r := ms.response(workPath + "abcd1.ics")
	if got := propText(t, r, dx.DAVName("getetag")); got != etags["abcd1.ics"] {
		t.Errorf("getetag %s, want %s", got, etags["abcd1.ics"])
	}
	if calData(t, ms, "abcd1.ics") != ts.stored("bob", workPath+"abcd1.ics") {
		t.Errorf("calendar-data is not the stored object")
	}
	if r := ms.response(workPath + "mtg1.ics"); !strings.Contains(r.Status, "404") || len(r.Propstats) != 0 {
		t.Errorf("mtg1.ics: %+v, want a bare 404", r)
	}
}

// TestMultigetHrefs covers hrefs outside the collection, other users'
// objects, duplicates, absolute URLs and multiget on an object resource.
func TestMultigetHrefs(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)
	alicePath := "/dav/calendars/users/alice/calendar/secret.ics"
	ts.put("alice", alicePath, event("secret", "20060104T100000Z", "Alice secret"))
	body := `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <D:href>` + alicePath + `</D:href>
  <D:href>` + ts.srv.URL + workPath + `abcd3.ics</D:href>
  <D:href>` + workPath + `abcd3.ics</D:href>
  <D:href>/dav/calendars/users/bob/calendar/abcd1.ics</D:href>
  <D:href>` + workPath + `../work/abcd1.ics</D:href>
</C:calendar-multiget>`
	_, b := ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath, body)
	if strings.Contains(b, "Alice secret") {
		t.Fatalf("another user's data leaked:\n%s", b)
	}
	ms := parseMultistatus(t, b)
	if len(ms.Responses) != 4 {
		t.Errorf("%d responses, want 4 (duplicate href answered once)", len(ms.Responses))
	}
	for _, p := range []string{alicePath, "/dav/calendars/users/bob/calendar/abcd1.ics"} {
		if r := ms.response(p); r == nil || !strings.Contains(r.Status, "404") {
			t.Errorf("%s: %+v, want 404", p, r)
		}
	}
	if !strings.Contains(calData(t, ms, "abcd3.ics"), "Event #3") {
		t.Errorf("abcd3 not returned")
	}

	// On an object resource only its own href is served.
	body = `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop><D:href>` + workPath + `abcd3.ics</D:href><D:href>` + workPath + `abcd1.ics</D:href>
</C:calendar-multiget>`
	_, b = ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath+"abcd3.ics", body)
	ms = parseMultistatus(t, b)
	if r := ms.response(workPath + "abcd3.ics"); r == nil || len(r.Propstats) == 0 {
		t.Errorf("abcd3 missing: %s", b)
	}
	if r := ms.response(workPath + "abcd1.ics"); r == nil || !strings.Contains(r.Status, "404") {
		t.Errorf("abcd1 through abcd3.ics: %s", b)
	}

	// Malformed bodies.
	resp, _ := ts.do("bob", "REPORT", workPath, `<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav"><D:href xmlns:D="DAV:"/></C:calendar-multiget>`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("empty href: %d, want 400", resp.StatusCode)
	}
}

// TestMultigetSubsetAndDeadProps asks for calendar-data subsetting with
// novalue and for a dead property beside it.
func TestMultigetSubsetAndDeadProps(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)
	body := `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:x-test">
  <D:prop><X:color/><C:calendar-data><C:comp name="VCALENDAR"><C:comp name="VEVENT">
    <C:prop name="UID"/><C:prop name="ATTENDEE" novalue="yes"/></C:comp></C:comp></C:calendar-data></D:prop>
  <D:href>` + workPath + `abcd3.ics</D:href>
</C:calendar-multiget>`
	ms := ts.report("bob", workPath, body)
	cal := parsedData(t, ms, "abcd3.ics")
	ev := children(cal.Component, "VEVENT")[0]
	atts := ev.Props.Values("ATTENDEE")
	if len(atts) != 2 || atts[0].Value != "" || atts[0].Params.Get("PARTSTAT") == "" || ev.Props.Get("SUMMARY") != nil {
		t.Errorf("subset VEVENT %+v", ev.Props)
	}
	if len(children(cal.Component, "VTIMEZONE")) != 0 {
		t.Errorf("VTIMEZONE not requested but returned")
	}
	if st, _, ok := ms.response(workPath + "abcd3.ics").prop(dx.Name("urn:x-test", "color")); !ok || !strings.Contains(st, "404") {
		t.Errorf("missing dead property: %q", st)
	}
}
