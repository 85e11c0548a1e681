package caldav

import (
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

const propfindDiscovery = `<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">
 <D:prop><D:current-user-principal/><D:principal-URL/><D:resourcetype/><C:calendar-home-set/>
 <C:calendar-user-address-set/><C:schedule-inbox-URL/><C:schedule-outbox-URL/><D:displayname/>
 <D:principal-collection-set/><D:supported-report-set/><D:resource-id/><CS:email-address-set/>
 <CS:notification-URL/><CS:dropbox-home-URL/><C:calendar-user-type/></D:prop>
</D:propfind>`

func TestWellKnownRedirects(t *testing.T) {
	ts := newTestServer(t)
	for _, p := range []string{"/.well-known/caldav", "/.well-known/caldav/"} {
		req, _ := http.NewRequest("PROPFIND", ts.srv.URL+p, nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/" {
			t.Fatalf("%s: %d Location %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestDiscoveryFromRootAndPrincipal(t *testing.T) {
	ts := newTestServer(t)
	for _, start := range []string{"/", "/dav/", "/dav/calendars/users/alice/calendar/"} {
		_, body := ts.must(207, "alice", "PROPFIND", start, propfindDiscovery, "Depth", "0")
		ms := parseMultistatus(t, body)
		if len(ms.Responses) != 1 {
			t.Fatalf("%s: %d responses", start, len(ms.Responses))
		}
		st, inner, ok := ms.Responses[0].prop(dx.DAVName("current-user-principal"))
		if !ok || !strings.Contains(st, "200") || !strings.Contains(inner, "/dav/principals/users/alice/") {
			t.Fatalf("%s: current-user-principal %q %q", start, st, inner)
		}
	}
	_, body := ts.must(207, "alice", "PROPFIND", "/dav/principals/users/alice/", propfindDiscovery, "Depth", "0")
	r := parseMultistatus(t, body).response("/dav/principals/users/alice/")
	if r == nil {
		t.Fatalf("no response for the principal:\n%s", body)
	}
	want := map[string]string{
		"principal-URL":             "/dav/principals/users/alice/",
		"calendar-home-set":         "/dav/calendars/users/alice/",
		"calendar-user-address-set": "mailto:alice@example.com",
		"schedule-inbox-URL":        "/dav/calendars/users/alice/inbox/",
		"schedule-outbox-URL":       "/dav/calendars/users/alice/outbox/",
		"displayname":               "Alice",
		"email-address-set":         "alice@example.com",
		"calendar-user-type":        "INDIVIDUAL",
		"resource-id":               "urn:uuid:",
		"supported-report-set":      "expand-property",
	}
	found := map[string]bool{}
	for _, ps := range r.Propstats {
		for _, a := range ps.Prop.Any {
			if w, ok := want[a.XMLName.Local]; ok {
				if !strings.Contains(ps.Status, "200") || !strings.Contains(a.Inner, w) {
					t.Errorf("%s: %s %q, want 200 containing %q", a.XMLName.Local, ps.Status, a.Inner, w)
				}
				found[a.XMLName.Local] = true
			}
			if a.XMLName.Local == "notification-URL" && !strings.Contains(ps.Status, "404") {
				t.Errorf("notification-URL: %s, want 404 until notifications exist", ps.Status)
			}
		}
	}
	for name := range want {
		if !found[name] {
			t.Errorf("principal property %s missing", name)
		}
	}
	// The preferred mailto: comes first (clients put it in ORGANIZER).
	_, inner, _ := r.prop(dx.CalDAVName("calendar-user-address-set"))
	if strings.Index(inner, "mailto:") > strings.Index(inner, "/dav/principals") {
		t.Errorf("calendar-user-address-set does not list mailto: first: %s", inner)
	}
}

func TestHomeHasDefaultCalendars(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.must(207, "bob", "PROPFIND", "/dav/calendars/users/bob/", `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
		<prop><resourcetype/><C:supported-calendar-component-set/><displayname/></prop></propfind>`, "Depth", "1")
	ms := parseMultistatus(t, body)
	for path, comp := range map[string]string{"/dav/calendars/users/bob/calendar/": "VEVENT", "/dav/calendars/users/bob/tasks/": "VTODO"} {
		r := ms.response(path)
		if r == nil {
			t.Fatalf("no %s in the home listing:\n%s", path, body)
		}
		_, set, _ := r.prop(dx.CalDAVName("supported-calendar-component-set"))
		_, rt, _ := r.prop(dx.DAVName("resourcetype"))
		if !strings.Contains(set, `name="`+comp+`"`) || strings.Count(set, "comp ") != 1 || !strings.Contains(rt, "calendar") {
			t.Errorf("%s: component set %q resourcetype %q", path, set, rt)
		}
	}
	for _, p := range []string{"/dav/calendars/users/bob/inbox/", "/dav/calendars/users/bob/outbox/"} {
		if ms.response(p) == nil {
			t.Errorf("no %s in the home", p)
		}
	}
}

func TestOptions(t *testing.T) {
	ts := newTestServer(t)
	resp, _ := ts.must(200, "alice", "OPTIONS", "/dav/calendars/users/alice/calendar/", "")
	dav := resp.Header.Get("DAV")
	for _, w := range []string{"1", "3", "access-control", "calendar-access", "extended-mkcol"} {
		if !strings.Contains(dav, w) {
			t.Errorf("DAV header %q lacks %s", dav, w)
		}
	}
	for _, m := range []string{"PROPFIND", "REPORT", "MKCALENDAR", "PUT", "DELETE", "MOVE"} {
		if !strings.Contains(resp.Header.Get("Allow"), m) {
			t.Errorf("Allow %q lacks %s", resp.Header.Get("Allow"), m)
		}
	}
}

func TestPropfindRequests(t *testing.T) {
	ts := newTestServer(t)
	home := "/dav/calendars/users/alice/"
	_, body := ts.do("alice", "PROPFIND", home, "", "Depth", "infinity")
	if c := errorCondition(t, body); c != condPropfindFiniteDepth {
		t.Fatalf("Depth infinity: %v", c)
	}
	if resp, _ := ts.do("alice", "PROPFIND", home, "<propfind xmlns='DAV:'><prop>", "Depth", "0"); resp.StatusCode != 400 {
		t.Fatalf("malformed XML: %d", resp.StatusCode)
	}
	if resp, _ := ts.do("alice", "PROPFIND", home, "<foo xmlns='DAV:'/>", "Depth", "0"); resp.StatusCode != 400 {
		t.Fatalf("wrong root: %d", resp.StatusCode)
	}
	big := "<propfind xmlns='DAV:'><prop>" + strings.Repeat("<displayname/>", 200000) + "</prop></propfind>"
	if resp, _ := ts.do("alice", "PROPFIND", home, big, "Depth", "0"); resp.StatusCode != 413 {
		t.Fatalf("oversized body: %d", resp.StatusCode)
	}
	// allprop (empty body) leaves out the expensive CalDAV properties.
	_, body = ts.must(207, "alice", "PROPFIND", home+"calendar/", "", "Depth", "0")
	r := parseMultistatus(t, body).Responses[0]
	if _, _, ok := r.prop(dx.DAVName("resourcetype")); !ok {
		t.Fatalf("allprop lacks resourcetype:\n%s", body)
	}
	if _, _, ok := r.prop(dx.DAVName("sync-token")); ok {
		t.Fatalf("allprop includes sync-token")
	}
	// propname lists names without values.
	_, body = ts.must(207, "alice", "PROPFIND", home+"calendar/", "<propfind xmlns='DAV:'><propname/></propfind>", "Depth", "0")
	r = parseMultistatus(t, body).Responses[0]
	if _, inner, ok := r.prop(dx.CSName("getctag")); !ok || inner != "" {
		t.Fatalf("propname: getctag %v %q", ok, inner)
	}
}

func TestOtherUsersPathsForbidden(t *testing.T) {
	ts := newTestServer(t)
	ts.put("bob", "/dav/calendars/users/bob/calendar/secret.ics", event("secret", "20260301T100000Z", "Bob's secret"))
	for _, req := range [][2]string{{"PROPFIND", "/dav/calendars/users/bob/"}, {"PROPFIND", "/dav/calendars/users/bob/calendar/"},
		{"GET", "/dav/calendars/users/bob/calendar/secret.ics"}, {"DELETE", "/dav/calendars/users/bob/calendar/secret.ics"},
		{"PUT", "/dav/calendars/users/bob/calendar/x.ics"}, {"MKCALENDAR", "/dav/calendars/users/bob/new/"},
		{"PROPFIND", "/dav/calendars/users/nobody/"}} {
		resp, body := ts.do("alice", req[0], req[1], "", "Depth", "0")
		if resp.StatusCode != 403 || strings.Contains(body, "secret") {
			t.Errorf("alice %s %s: %d %q", req[0], req[1], resp.StatusCode, body)
		}
	}
	ts.must(200, "bob", "GET", "/dav/calendars/users/bob/calendar/secret.ics", "")
}
