package caldav

import (
	"encoding/xml"
	"fmt"
	"html"
	"strconv"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

const appleProppatch = `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:B="http://apple.com/ns/ical/" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:example:x">
 <A:set><A:prop>
  <B:calendar-color symbolic-color="red">#FF2968FF</B:calendar-color>
  <B:calendar-order>4</B:calendar-order>
  <A:displayname>Work</A:displayname>
  <C:calendar-description>Office hours</C:calendar-description>
  <C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>
  <X:flag level="2"><X:inner>kept</X:inner></X:flag>
 </A:prop></A:set>
</A:propertyupdate>`

func TestProppatchLiveAndDead(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.must(207, "alice", "PROPPATCH", cal, appleProppatch)
	r := parseMultistatus(t, body).Responses[0]
	for _, ps := range r.Propstats {
		if !strings.Contains(ps.Status, "200") {
			t.Fatalf("PROPPATCH failed:\n%s", body)
		}
	}
	_, body = ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:" xmlns:B="http://apple.com/ns/ical/"
		xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:example:x"><prop><B:calendar-color/><B:calendar-order/><displayname/>
		<C:calendar-description/><C:schedule-calendar-transp/><X:flag/></prop></propfind>`, "Depth", "0")
	r = parseMultistatus(t, body).Responses[0]
	checks := map[string]string{"calendar-color": "#FF2968FF", "calendar-order": "4", "displayname": "Work",
		"calendar-description": "Office hours", "schedule-calendar-transp": "transparent", "flag": "kept"}
	for _, ps := range r.Propstats {
		for _, a := range ps.Prop.Any {
			if w := checks[a.XMLName.Local]; !strings.Contains(ps.Status, "200") || !strings.Contains(a.Inner, w) {
				t.Errorf("%s: %s %q, want %q", a.XMLName.Local, ps.Status, a.Inner, w)
			}
			if a.XMLName.Local == "calendar-color" && strings.Count(a.Inner, "#") != 1 {
				t.Errorf("calendar-color holds several values: %q", a.Inner)
			}
			if a.XMLName.Local == "flag" && (a.XMLName.Space != "urn:example:x" || len(a.Attr) == 0) {
				t.Errorf("dead property lost its namespace or attribute: %+v", a)
			}
		}
	}
	// Remove.
	ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:x"><D:remove><D:prop><X:flag/>
		</D:prop></D:remove></D:propertyupdate>`)
	_, body = ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:" xmlns:X="urn:example:x"><prop><X:flag/></prop></propfind>`, "Depth", "0")
	if st, _, _ := parseMultistatus(t, body).Responses[0].prop(dx.Name("urn:example:x", "flag")); !strings.Contains(st, "404") {
		t.Fatalf("removed dead property still there: %s", body)
	}
}

func TestProppatchAtomic(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:x"><D:set><D:prop>
		<D:displayname>Changed</D:displayname><D:getetag>"x"</D:getetag><X:dead>1</X:dead></D:prop></D:set></D:propertyupdate>`)
	r := parseMultistatus(t, body).Responses[0]
	if st, _, _ := r.prop(dx.DAVName("getetag")); !strings.Contains(st, "403") {
		t.Fatalf("protected property: %s", body)
	}
	for _, n := range []string{"displayname", "dead"} {
		for _, ps := range r.Propstats {
			for _, a := range ps.Prop.Any {
				if a.XMLName.Local == n && !strings.Contains(ps.Status, "424") {
					t.Errorf("%s: %s, want 424 Failed Dependency", n, ps.Status)
				}
			}
		}
	}
	_, body = ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>`, "Depth", "0")
	if strings.Contains(body, "Changed") {
		t.Fatal("a failed PROPPATCH applied part of its changes")
	}
	// The component set is fixed after creation (RFC 4791 §5.2.3).
	_, body = ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
		<C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set></D:prop></D:set></D:propertyupdate>`)
	if !strings.Contains(body, "403") {
		t.Fatalf("component set changed after creation: %s", body)
	}
	// A bad calendar-timezone is refused.
	_, body = ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
		<C:calendar-timezone>not a timezone</C:calendar-timezone></D:prop></D:set></D:propertyupdate>`)
	if !strings.Contains(body, "409") {
		t.Fatalf("bad calendar-timezone accepted: %s", body)
	}
}

func TestTimezoneByID(t *testing.T) {
	ts := newTestServer(t)
	ts.must(207, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
		<C:calendar-timezone-id>Europe/Berlin</C:calendar-timezone-id></D:prop></D:set></D:propertyupdate>`)
	_, body := ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>
		<C:calendar-timezone-id/><C:calendar-timezone/></prop></propfind>`, "Depth", "0")
	r := parseMultistatus(t, body).Responses[0]
	if _, id, _ := r.prop(dx.CalDAVName("calendar-timezone-id")); id != "Europe/Berlin" {
		t.Fatalf("calendar-timezone-id = %q", id)
	}
	if _, tz, _ := r.prop(dx.CalDAVName("calendar-timezone")); !strings.Contains(tz, "TZID:Europe/Berlin") || !strings.Contains(tz, "RRULE") {
		t.Fatalf("calendar-timezone = %q", tz)
	}
}

func TestMkcalendar(t *testing.T) {
	ts := newTestServer(t)
	path := "/dav/calendars/users/alice/work/"
	ts.must(201, "alice", "MKCALENDAR", path, `<?xml version="1.0"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop>
 <D:displayname>Work</D:displayname><I:calendar-color>#00FF00</I:calendar-color>
 <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`)
	_, body := ts.must(207, "alice", "PROPFIND", path, `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>
		<displayname/><C:supported-calendar-component-set/><resourcetype/></prop></propfind>`, "Depth", "0")
	if !strings.Contains(body, "Work") || !strings.Contains(body, `name="VTODO"`) || strings.Contains(body, "VEVENT") {
		t.Fatalf("new calendar: %s", body)
	}
	_, body = ts.must(405, "alice", "MKCALENDAR", path, "")
	if errorCondition(t, body) != condResourceMustBeNull {
		t.Fatalf("MKCALENDAR on an existing calendar: %s", body)
	}
	_, body = ts.must(403, "alice", "MKCALENDAR", path+"inner/", "")
	if errorCondition(t, body) != condCollectionLocationOK {
		t.Fatalf("MKCALENDAR inside a calendar: %s", body)
	}
	// A protected property: nothing is created, 207 with 403 for it and
	// 424 for the others (RFC 4791 §5.3.1, RFC 4918 §9.2).
	bad := "/dav/calendars/users/alice/bad/"
	_, body = ts.must(207, "alice", "MKCALENDAR", bad, `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
 <D:displayname>Bad</D:displayname><D:getetag>"x"</D:getetag></D:prop></D:set></C:mkcalendar>`)
	r := parseMultistatus(t, body).response(bad)
	if r == nil {
		t.Fatalf("MKCALENDAR with a protected property: %s", body)
	}
	if st, _, _ := r.prop(dx.DAVName("getetag")); !strings.Contains(st, "403") || !strings.Contains(body, "cannot-modify-protected-property") {
		t.Errorf("protected getetag in MKCALENDAR: %s", body)
	}
	if st, _, _ := r.prop(dx.DAVName("displayname")); !strings.Contains(st, "424") {
		t.Errorf("displayname beside a protected property: %s", body)
	}
	ts.must(404, "alice", "PROPFIND", bad, "", "Depth", "0")
	// Extended MKCOL (RFC 5689) creates calendars; plain collections are refused.
	ts.must(201, "alice", "MKCOL", "/dav/calendars/users/alice/ext/", `<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
		<D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Ext</D:displayname></D:prop></D:set></D:mkcol>`)
	_, body = ts.must(403, "alice", "MKCOL", "/dav/calendars/users/alice/plain/", "")
	if errorCondition(t, body) != condValidResourceType {
		t.Fatalf("plain MKCOL: %s", body)
	}
	// Deleting a calendar deletes its objects.
	ts.put("alice", "/dav/calendars/users/alice/ext/e.ics", event("e", "20260301T100000Z", "E"))
	ts.must(204, "alice", "DELETE", "/dav/calendars/users/alice/ext/", "")
	ts.must(404, "alice", "GET", "/dav/calendars/users/alice/ext/e.ics", "")
	ts.must(403, "alice", "DELETE", "/dav/calendars/users/alice/inbox/", "")
}

func TestCopyMove(t *testing.T) {
	ts := newTestServer(t)
	other := "/dav/calendars/users/alice/other/"
	ts.must(201, "alice", "MKCALENDAR", other, "")
	ics := event("m1", "20260301T100000Z", "Move me")
	ts.put("alice", cal+"m1.ics", ics)
	dest := func(p string) string { return ts.srv.URL + p }
	ts.must(201, "alice", "COPY", cal+"m1.ics", "", "Destination", dest(other+"m1.ics"))
	// A second copy into the same calendar under another name has the same UID.
	_, body := ts.must(403, "alice", "COPY", cal+"m1.ics", "", "Destination", dest(other+"m1-again.ics"))
	if errorCondition(t, body) != condNoUIDConflict {
		t.Fatalf("copy with a duplicate UID: %s", body)
	}
	ts.must(412, "alice", "COPY", cal+"m1.ics", "", "Destination", dest(other+"m1.ics"), "Overwrite", "F")
	ts.must(204, "alice", "COPY", cal+"m1.ics", "", "Destination", dest(other+"m1.ics"))
	ts.must(204, "alice", "DELETE", other+"m1.ics", "")
	ts.must(201, "alice", "MOVE", cal+"m1.ics", "", "Destination", dest(other+"moved.ics"))
	ts.must(404, "alice", "GET", cal+"m1.ics", "")
	if _, body := ts.must(200, "alice", "GET", other+"moved.ics", ""); body != ics {
		t.Fatalf("moved object differs: %q", body)
	}
	// Into the tasks calendar an event is not supported.
	_, body = ts.must(403, "alice", "MOVE", other+"moved.ics", "", "Destination", dest("/dav/calendars/users/alice/tasks/x.ics"))
	if errorCondition(t, body) != condSupportedComponent {
		t.Fatalf("move of an event into a tasks calendar: %s", body)
	}
	ts.must(200, "alice", "GET", other+"moved.ics", "")
	ts.must(403, "alice", "MOVE", other+"moved.ics", "", "Destination", dest("/dav/calendars/users/bob/calendar/x.ics"))
	ts.must(409, "alice", "MOVE", other+"moved.ics", "", "Destination", dest("/dav/calendars/users/alice/nope/x.ics"))
	ts.must(400, "alice", "MOVE", other+"moved.ics", "")
	ts.must(200, "alice", "GET", other+"moved.ics", "")
}

// TestCopyMoveUIDChange: a COPY or MOVE with Overwrite: T onto an object
// of another UID would change that resource's UID: 403 no-uid-conflict
// naming it (RFC 4791 §5.3.2.1), and neither resource changes.
func TestCopyMoveUIDChange(t *testing.T) {
	ts := newTestServer(t)
	other := "/dav/calendars/users/alice/other/"
	ts.must(201, "alice", "MKCALENDAR", other, "")
	a, b, c := event("ua", "20260301T100000Z", "A"), event("ub", "20260302T100000Z", "B"), event("uc", "20260303T100000Z", "C")
	ts.put("alice", other+"a.ics", a)
	ts.put("alice", cal+"b.ics", b)
	ts.put("alice", cal+"c.ics", c)
	for _, c := range []struct{ method, from, data string }{{"COPY", other + "a.ics", a}, {"MOVE", other + "a.ics", a}, {"MOVE", cal + "c.ics", c}} {
		_, body := ts.must(403, "alice", c.method, c.from, "", "Destination", ts.srv.URL+cal+"b.ics", "Overwrite", "T")
		if errorCondition(t, body) != condNoUIDConflict || !strings.Contains(body, "<D:href>"+cal+"b.ics</D:href>") {
			t.Errorf("%s from %s onto another UID: %s", c.method, c.from, body)
		}
		if _, got := ts.must(200, "alice", "GET", c.from, ""); got != c.data {
			t.Errorf("%s onto another UID changed the source", c.method)
		}
		if _, got := ts.must(200, "alice", "GET", cal+"b.ics", ""); got != b {
			t.Errorf("%s onto another UID changed the destination", c.method)
		}
	}
}

func TestNonASCIICalendarName(t *testing.T) {
	ts := newTestServer(t)
	path := "/dav/calendars/users/alice/Kalender%20M%C3%BCnchen%20%E6%97%A5/"
	ts.must(201, "alice", "MKCALENDAR", path, "")
	ts.put("alice", path+"a.ics", event("a", "20260301T100000Z", "A"))
	_, body := ts.must(207, "alice", "PROPFIND", "/dav/calendars/users/alice/", `<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>`, "Depth", "1")
	if parseMultistatus(t, body).response("/dav/calendars/users/alice/Kalender München 日/") == nil {
		t.Fatalf("non-ASCII calendar not listed:\n%s", body)
	}
	ts.must(403, "alice", "MKCALENDAR", "/dav/calendars/users/alice/bad%01name/", "")
}

// TestCollectionGetProperties: a calendar collection answers GET with the
// whole calendar, so its getetag, getcontenttype and getcontentlength are
// those of that GET (RFC 4918 §15.4–15.6); allprop leaves the length out,
// which costs an export, and propname lists it.
func TestCollectionGetProperties(t *testing.T) {
	ts := newTestServer(t)
	ts.put("alice", cal+"a.ics", event("a", "20260301T100000Z", "A"))
	check := func() {
		t.Helper()
		resp, body := ts.must(200, "alice", "GET", cal, "")
		_, b := ts.must(207, "alice", "PROPFIND", cal, `<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/><D:getcontentlength/></D:prop></D:propfind>`, "Depth", "0")
		r := parseMultistatus(t, b).response(cal)
		want := map[string]string{"getetag": resp.Header.Get("ETag"), "getcontenttype": resp.Header.Get("Content-Type"),
			"getcontentlength": strconv.Itoa(len(body))}
		for name, v := range want {
			if st, got, ok := r.prop(dx.DAVName(name)); !ok || !strings.Contains(st, "200") || html.UnescapeString(got) != v {
				t.Errorf("%s = %q (%s), want %q as GET answers", name, got, st, v)
			}
		}
	}
	check()
	ts.put("alice", cal+"b.ics", event("b", "20260302T100000Z", "B"))
	check()
	_, b := ts.must(207, "alice", "PROPFIND", cal, `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, "Depth", "0")
	r := parseMultistatus(t, b).response(cal)
	if _, _, ok := r.prop(dx.DAVName("getetag")); !ok {
		t.Errorf("allprop of a calendar lacks getetag:\n%s", b)
	}
	if _, _, ok := r.prop(dx.DAVName("getcontentlength")); ok {
		t.Errorf("allprop of a calendar computes getcontentlength:\n%s", b)
	}
	_, b = ts.must(207, "alice", "PROPFIND", cal, `<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>`, "Depth", "0")
	if _, _, ok := parseMultistatus(t, b).response(cal).prop(dx.DAVName("getcontentlength")); !ok {
		t.Errorf("propname of a calendar lacks getcontentlength:\n%s", b)
	}
}

// TestHomeDeadProperties: Apple Calendar's account set-up PROPPATCHes
// default-alarm-vevent-date and -datetime on the calendar home; they are
// stored and returned (RFC 4918 §4.2); live properties there stay
// protected.
func TestHomeDeadProperties(t *testing.T) {
	ts := newTestServer(t)
	home := "/dav/calendars/users/alice/"
	_, body := ts.must(207, "alice", "PROPPATCH", home, `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:I="urn:ietf:params:xml:ns:caldav"><A:set><A:prop>
<I:default-alarm-vevent-date>BEGIN:VALARM&#13;
TRIGGER:-PT15H&#13;
END:VALARM&#13;
</I:default-alarm-vevent-date>
<I:default-alarm-vevent-datetime>BEGIN:VALARM&#13;
TRIGGER:-PT15M&#13;
END:VALARM&#13;
</I:default-alarm-vevent-datetime></A:prop></A:set></A:propertyupdate>`)
	r := parseMultistatus(t, body).response(home)
	for _, n := range []string{"default-alarm-vevent-date", "default-alarm-vevent-datetime"} {
		if st, _, _ := r.prop(dx.CalDAVName(n)); !strings.Contains(st, "200") {
			t.Fatalf("PROPPATCH of %s on the home: %s", n, body)
		}
	}
	_, body = ts.must(207, "alice", "PROPFIND", home, `<A:propfind xmlns:A="DAV:" xmlns:I="urn:ietf:params:xml:ns:caldav"><A:prop>
<I:default-alarm-vevent-datetime/></A:prop></A:propfind>`, "Depth", "0")
	if st, v, _ := parseMultistatus(t, body).response(home).prop(dx.CalDAVName("default-alarm-vevent-datetime")); !strings.Contains(st, "200") || !strings.Contains(v, "TRIGGER:-PT15M") {
		t.Fatalf("home dead property not returned: %s", body)
	}
	// Bob cannot change alice's home.
	ts.must(403, "bob", "PROPPATCH", home, `<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop><X:y xmlns:X="urn:x">1</X:y></A:prop></A:set></A:propertyupdate>`)
	_, body = ts.must(207, "alice", "PROPPATCH", home, `<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop><A:getetag>"x"</A:getetag></A:prop></A:set></A:propertyupdate>`)
	if st, _, _ := parseMultistatus(t, body).response(home).prop(dx.DAVName("getetag")); !strings.Contains(st, "403") {
		t.Fatalf("live property on the home: %s", body)
	}
}

// TestDeadPropertyBounds: a dead property too large, or one too many on a
// resource, is answered 507 in its propstat (RFC 4918 §9.2.1), 424 for
// the rest, and nothing is written.
func TestDeadPropertyBounds(t *testing.T) {
	ts := newTestServer(t)
	big := `<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop><X:big xmlns:X="urn:x">` + strings.Repeat("x", 200<<10) +
		`</X:big><X:small xmlns:X="urn:x">Written</X:small></A:prop></A:set></A:propertyupdate>`
	for _, path := range []string{cal, "/dav/calendars/users/alice/"} {
		_, body := ts.must(207, "alice", "PROPPATCH", path, big)
		r := parseMultistatus(t, body).response(path)
		if st, _, _ := r.prop(xml.Name{Space: "urn:x", Local: "big"}); !strings.Contains(st, "507") {
			t.Errorf("a 200 KB property on %s: %s", path, body[:min(len(body), 2000)])
		}
		_, body = ts.must(207, "alice", "PROPFIND", path, `<A:propfind xmlns:A="DAV:"><A:prop><X:small xmlns:X="urn:x"/><X:big xmlns:X="urn:x"/></A:prop></A:propfind>`, "Depth", "0")
		if strings.Contains(body, "Written") || strings.Contains(body, "xxxx") {
			t.Fatalf("a refused PROPPATCH wrote something: %s", body[:min(len(body), 2000)])
		}
	}
	var body string
	var many strings.Builder
	many.WriteString(`<A:propertyupdate xmlns:A="DAV:" xmlns:X="urn:x"><A:set><A:prop>`)
	for i := range 101 {
		fmt.Fprintf(&many, "<X:p%d>v</X:p%d>", i, i)
	}
	many.WriteString(`</A:prop></A:set></A:propertyupdate>`)
	_, body = ts.must(207, "alice", "PROPPATCH", cal, many.String())
	if !strings.Contains(body, "507") {
		t.Fatalf("101 dead properties: %s", body[:min(len(body), 2000)])
	}
}
