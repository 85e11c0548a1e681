package conformance

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The discovery and listing sequences below are those of real clients, as
// recorded from the clients' source and bug reports, replayed as raw HTTP.

// pushNS is WebDAV-Push's namespace, which DAVx5 asks about.
const pushNS = "https://bitfire.at/webdav-push"

// TestWellKnown checks RFC 6764 §5: /.well-known/caldav, with and without
// the trailing slash Apple adds, redirects to the DAV root for any method,
// and the context path answers current-user-principal.
func TestWellKnown(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		for _, path := range []string{"/.well-known/caldav", "/.well-known/caldav/"} {
			for _, method := range []string{http.MethodGet, "PROPFIND"} {
				r := srv.do(t, request{method: method, path: path, user: "alice", header: map[string]string{"Depth": "0"}})
				if r.Status < 301 || r.Status > 308 || r.Status == 304 || r.Status == 305 {
					t.Errorf("%s %s: status %d, want a redirect", method, path, r.Status)
					continue
				}
				loc, err := url.Parse(r.Header.Get("Location"))
				if err != nil || loc.Path != "/dav/" {
					t.Errorf("%s %s: Location %q, want /dav/", method, path, r.Header.Get("Location"))
				}
			}
		}
		ms := decodeMultistatus(t, srv.propfind(t, "alice", "/dav/", "0", propfindBody(davName("current-user-principal"))))
		if len(ms.Responses) != 1 {
			t.Fatalf("PROPFIND /dav/: %d responses, want 1", len(ms.Responses))
		}
		if got := wantProp(t, &ms.Responses[0], davName("current-user-principal")).hrefs(); len(got) != 1 || hrefPath(got[0]) != principalPath("alice") {
			t.Errorf("current-user-principal on /dav/ = %v, want %s", got, principalPath("alice"))
		}
		// Without credentials the client must be asked for them (RFC 9110 §11.6.1).
		r := srv.propfind(t, "", "/dav/", "0", propfindBody(davName("current-user-principal")))
		if r.Status != http.StatusUnauthorized || !strings.Contains(strings.ToLower(r.Header.Get("WWW-Authenticate")), "basic") {
			t.Errorf("unauthenticated PROPFIND: %d, WWW-Authenticate %q; want 401 with a Basic challenge", r.Status, r.Header.Get("WWW-Authenticate"))
		}
	})
}

// TestAppleCalendarDiscovery replays macOS/iOS Calendar's account set-up
// (Apple Calendar's start-up, steps 1–6).
func TestAppleCalendarDiscovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		// 1. The context path: current-user-principal, principal-URL, resourcetype.
		ms := decodeMultistatus(t, srv.propfind(t, "alice", "/dav/", "0",
			propfindBody(davName("current-user-principal"), davName("principal-URL"), davName("resourcetype"))))
		root := &ms.Responses[0]
		wantProp(t, root, davName("current-user-principal"))
		wantProp(t, root, davName("resourcetype"))
		wantPropStatus(t, root, davName("principal-URL"), http.StatusNotFound) // not a principal

		// 2. The principal.
		unknown := xml.Name{Space: "urn:x-conformance", Local: "no-such-property"}
		ms = decodeMultistatus(t, srv.propfind(t, "alice", principalPath("alice"), "0", propfindBody(
			caldavName("calendar-home-set"), caldavName("calendar-user-address-set"), caldavName("schedule-inbox-URL"),
			caldavName("schedule-outbox-URL"), davName("displayname"), davName("principal-collection-set"),
			davName("supported-report-set"), davName("resource-id"), csName("email-address-set"),
			csName("notification-URL"), csName("dropbox-home-URL"), davName("principal-URL"), unknown)))
		p := ms.byHref(principalPath("alice"))
		if p == nil {
			t.Fatalf("principal PROPFIND: no response for %s (got %v)", principalPath("alice"), ms.hrefs())
		}
		hrefIs := func(n xml.Name, want string) {
			t.Helper()
			if got := wantProp(t, p, n).hrefs(); len(got) == 0 || hrefPath(got[0]) != want {
				t.Errorf("%s = %v, want %s", n.Local, got, want)
			}
		}
		hrefIs(caldavName("calendar-home-set"), homePath("alice"))
		hrefIs(caldavName("schedule-inbox-URL"), homePath("alice")+"inbox/")
		hrefIs(caldavName("schedule-outbox-URL"), homePath("alice")+"outbox/")
		hrefIs(davName("principal-URL"), principalPath("alice"))
		hrefIs(davName("principal-collection-set"), "/dav/principals/")
		// The preferred mailto: address first: clients put it in ORGANIZER.
		if cuas := wantProp(t, p, caldavName("calendar-user-address-set")).hrefs(); len(cuas) == 0 || cuas[0] != "mailto:alice@example.com" {
			t.Errorf("calendar-user-address-set = %v, want mailto:alice@example.com first", cuas)
		}
		if e := wantProp(t, p, csName("email-address-set")).child(csName("email-address")); e == nil || e.Text != "alice@example.com" {
			t.Errorf("CS:email-address-set lacks alice@example.com")
		}
		if id := wantProp(t, p, davName("resource-id")).hrefs(); len(id) != 1 || !strings.HasPrefix(id[0], "urn:uuid:") {
			t.Errorf("DAV:resource-id = %v, want one urn:uuid href (RFC 5842 §3.1)", id)
		}
		wantProp(t, p, davName("displayname"))
		wantProp(t, p, davName("supported-report-set"))
		wantPropStatus(t, p, unknown, http.StatusNotFound)

		// 3. Delegation: expand-property for the proxy sets (RFC 3253
		// §3.8). Empty sets are fine; an error breaks the delegation pane.
		t.Run("expand-property", func(t *testing.T) {
			body := `<?xml version="1.0" encoding="utf-8"?>
<D:expand-property xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">
  <D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
    <D:property name="displayname"/><D:property name="principal-URL"/>
    <D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <D:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
  </D:property>
  <D:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/">
    <D:property name="displayname"/><D:property name="principal-URL"/>
    <D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <D:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
  </D:property>
</D:expand-property>`
			ms := decodeMultistatus(t, srv.report(t, "alice", principalPath("alice"), "0", body))
			r := ms.byHref(principalPath("alice"))
			if r == nil {
				t.Fatalf("expand-property: no response for the principal (got %v)", ms.hrefs())
			}
			wantProp(t, r, csName("calendar-proxy-write-for"))
			wantProp(t, r, csName("calendar-proxy-read-for"))
		})

		// 4. The home, Depth 1, with Apple's long property list.
		appleProps := []xml.Name{
			csName("getctag"), davName("sync-token"), davName("resourcetype"), davName("displayname"), davName("owner"),
			davName("current-user-privilege-set"), davName("quota-available-bytes"), davName("quota-used-bytes"),
			caldavName("calendar-description"), caldavName("calendar-timezone"), caldavName("calendar-free-busy-set"),
			caldavName("schedule-calendar-transp"), caldavName("schedule-default-calendar-URL"),
			caldavName("supported-calendar-component-set"), caldavName("default-alarm-vevent-date"),
			caldavName("default-alarm-vevent-datetime"), icalName("calendar-color"), icalName("calendar-order"),
			csName("source"), csName("push-transports"), csName("pushkey"), davName("add-member"),
			davName("supported-report-set"), caldavName("supported-calendar-data"), caldavName("max-resource-size"),
			davName("current-user-principal"), davName("getetag"), davName("getcontenttype"), unknown,
		}
		ms = decodeMultistatus(t, srv.propfind(t, "alice", homePath("alice"), "1", propfindBody(appleProps...)))
		if ms.byHref(homePath("alice")) == nil {
			t.Errorf("home listing: no response for the home itself (got %v)", ms.hrefs())
		}
		for _, cal := range []struct {
			path, comp string
		}{{calendarPath("alice", "calendar"), "VEVENT"}, {calendarPath("alice", "tasks"), "VTODO"}} {
			r := ms.byHref(cal.path)
			if r == nil {
				t.Errorf("home listing: %s missing (got %v)", cal.path, ms.hrefs())
				continue
			}
			for _, n := range []xml.Name{csName("getctag"), davName("sync-token"), davName("displayname"), davName("owner"),
				davName("current-user-privilege-set"), davName("quota-available-bytes"), davName("quota-used-bytes"),
				caldavName("schedule-calendar-transp"), icalName("calendar-order"), davName("supported-report-set"),
				caldavName("supported-calendar-data"), caldavName("max-resource-size")} {
				wantProp(t, r, n)
			}
			rt := wantProp(t, r, davName("resourcetype"))
			if rt.child(davName("collection")) == nil || rt.child(caldavName("calendar")) == nil {
				t.Errorf("%s: resourcetype %s, want collection and calendar", cal.path, rt.Inner)
			}
			checkComponentSet(t, cal.path, wantProp(t, r, caldavName("supported-calendar-component-set")), cal.comp)
			wantPropStatus(t, r, unknown, http.StatusNotFound)
			// Every asked property is answered, each once (RFC 4918 §9.1).
			for _, n := range appleProps {
				if c := r.propCount(n); c != 1 {
					t.Errorf("%s: {%s}%s appears in %d propstats, want 1", cal.path, n.Space, n.Local, c)
				}
			}
		}
		if r := ms.byHref(homePath("alice") + "inbox/"); r == nil {
			t.Errorf("home listing: the scheduling inbox is missing")
		} else if rt := wantProp(t, r, davName("resourcetype")); rt.child(caldavName("schedule-inbox")) == nil {
			t.Errorf("inbox resourcetype %s, want schedule-inbox", rt.Inner)
		}

		// 5. Start-up PROPPATCH.
		t.Run("proppatch", func(t *testing.T) { testAppleProppatch(t, srv) })

		// 6. Event listing: calendar-query for ETags, then multiget; and a
		// sync-collection with Depth 1 and no sync-level (older captures).
		t.Run("listing", func(t *testing.T) { testAppleListing(t, srv) })
	})
}

// checkComponentSet checks that a supported-calendar-component-set is well
// formed (RFC 4791 §5.2.3: only CALDAV:comp children with a name) and names
// exactly want.
func checkComponentSet(t *testing.T, path string, set *element, want ...string) {
	t.Helper()
	var got []string
	for _, c := range set.Children {
		if c.XMLName != caldavName("comp") {
			t.Errorf("%s: supported-calendar-component-set has a child %v, only CALDAV:comp is allowed", path, c.XMLName)
			continue
		}
		name, ok := c.attr("name")
		if !ok || name == "" {
			t.Errorf("%s: a CALDAV:comp without a name attribute", path)
		}
		got = append(got, name)
	}
	if strings.TrimSpace(set.Text) != "" {
		t.Errorf("%s: supported-calendar-component-set holds text %q", path, set.Text)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: supported-calendar-component-set %v, want %v", path, got, want)
	}
}

const vtimezoneBerlin = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.0//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZNAME:CEST
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZNAME:CET
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
`

// testAppleProppatch sends Apple's start-up PROPPATCH and reads the values back.
func testAppleProppatch(t *testing.T, srv *server) {
	cal := calendarPath("alice", "calendar")
	patch := func(color, symbolic string) {
		t.Helper()
		body := `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav" xmlns:D="http://apple.com/ns/ical/">
  <A:set><A:prop>
    <D:calendar-color symbolic-color="` + symbolic + `">` + color + `</D:calendar-color>
    <D:calendar-order>3</D:calendar-order>
    <A:displayname>Work</A:displayname>
    <B:calendar-description>Work things</B:calendar-description>
    <B:calendar-timezone><![CDATA[` + vtimezoneBerlin + `]]></B:calendar-timezone>
    <B:schedule-calendar-transp><B:opaque/></B:schedule-calendar-transp>
    <B:default-alarm-vevent-datetime>BEGIN:VALARM&#13;
TRIGGER:-PT15M&#13;
ACTION:DISPLAY&#13;
END:VALARM&#13;
</B:default-alarm-vevent-datetime>
    <B:default-alarm-vevent-date>BEGIN:VALARM&#13;
TRIGGER:-PT15H&#13;
ACTION:DISPLAY&#13;
END:VALARM&#13;
</B:default-alarm-vevent-date>
  </A:prop></A:set>
</A:propertyupdate>`
		ms := decodeMultistatus(t, srv.do(t, request{method: "PROPPATCH", path: cal, user: "alice", body: body,
			header: map[string]string{"Content-Type": "text/xml"}}))
		r := ms.byHref(cal)
		if r == nil {
			t.Fatalf("PROPPATCH: no response for %s (got %v)", cal, ms.hrefs())
		}
		for _, ps := range r.Propstats {
			if statusCode(ps.Status) != http.StatusOK {
				for _, p := range ps.Prop.Props {
					t.Errorf("PROPPATCH %s: {%s}%s → %s; Apple gives up on any failure", cal, p.XMLName.Space, p.XMLName.Local, ps.Status)
				}
			}
		}
	}
	patch("#FF2968FF", "red")
	patch("#1BADF8FF", "blue") // a second start-up must replace, not add

	ms := decodeMultistatus(t, srv.propfind(t, "alice", cal, "0", propfindBody(icalName("calendar-color"), icalName("calendar-order"),
		davName("displayname"), caldavName("calendar-description"), caldavName("calendar-timezone"),
		caldavName("calendar-timezone-id"), caldavName("default-alarm-vevent-datetime"), caldavName("schedule-calendar-transp"))))
	r := &ms.Responses[0]
	color := wantProp(t, r, icalName("calendar-color"))
	if strings.TrimSpace(color.Text) != "#1BADF8FF" || len(color.Children) != 0 {
		t.Errorf("calendar-color after two PROPPATCHes = %q (inner %q), want the one value #1BADF8FF", color.Text, color.Inner)
	}
	if v := strings.TrimSpace(wantProp(t, r, icalName("calendar-order")).Text); v != "3" {
		t.Errorf("calendar-order = %q, want 3", v)
	}
	if v := wantProp(t, r, davName("displayname")).Text; v != "Work" {
		t.Errorf("displayname = %q, want Work", v)
	}
	if v := wantProp(t, r, caldavName("calendar-description")).Text; v != "Work things" {
		t.Errorf("calendar-description = %q", v)
	}
	if v := wantProp(t, r, caldavName("calendar-timezone")).Text; !strings.Contains(v, "TZID:Europe/Berlin") {
		t.Errorf("calendar-timezone lost its VTIMEZONE: %q", v)
	}
	// RFC 7809 §5.2: the id of the zone set by calendar-timezone.
	if v := strings.TrimSpace(wantProp(t, r, caldavName("calendar-timezone-id")).Text); v != "Europe/Berlin" {
		t.Errorf("calendar-timezone-id = %q, want Europe/Berlin", v)
	}
	if v := wantProp(t, r, caldavName("default-alarm-vevent-datetime")).Text; !strings.Contains(v, "TRIGGER:-PT15M") {
		t.Errorf("default-alarm-vevent-datetime = %q", v)
	}
	if wantProp(t, r, caldavName("schedule-calendar-transp")).child(caldavName("opaque")) == nil {
		t.Errorf("schedule-calendar-transp is not opaque")
	}
}

// testAppleListing lists events the way Apple Calendar does.
func testAppleListing(t *testing.T, srv *server) {
	cal := calendarPath("alice", "calendar")
	put := srv.putICS(t, "alice", cal+"apple-1.ics", crlf(readTestdata(t, "single.ics")), map[string]string{"If-None-Match": "*"})
	put.expect(t, http.StatusCreated)
	etag := put.Header.Get("ETag")

	query := `<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-query xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:prop><A:getetag/><A:getcontenttype/></A:prop>
  <B:filter><B:comp-filter name="VCALENDAR"><B:comp-filter name="VEVENT">
    <B:time-range start="20260215T000000Z" end="20260415T000000Z"/>
  </B:comp-filter></B:comp-filter></B:filter>
</B:calendar-query>`
	ms := decodeMultistatus(t, srv.report(t, "alice", cal, "1", query))
	r := ms.byHref(cal + "apple-1.ics")
	if r == nil {
		t.Errorf("calendar-query: apple-1.ics missing (got %v)", ms.hrefs())
	} else if got := wantProp(t, r, davName("getetag")).Text; got != etag {
		t.Errorf("calendar-query getetag %q, PUT gave %q", got, etag)
	}

	multiget := `<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-multiget xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:prop><A:getetag/><B:calendar-data/></A:prop>
  <A:href>` + cal + `apple-1.ics</A:href>
</B:calendar-multiget>`
	ms = decodeMultistatus(t, srv.report(t, "alice", cal, "1", multiget))
	if r := ms.byHref(cal + "apple-1.ics"); r == nil {
		t.Errorf("multiget: apple-1.ics missing (got %v)", ms.hrefs())
	} else if !strings.Contains(wantProp(t, r, caldavName("calendar-data")).Text, "UID:single-1@kalends.test") {
		t.Errorf("multiget: calendar-data lacks the UID")
	}

	// Depth 1, no sync-level: treated as sync-level 1 (as Apple Calendar sends it).
	sync := `<?xml version="1.0" encoding="UTF-8"?>
<A:sync-collection xmlns:A="DAV:"><A:sync-token/><A:prop><A:getetag/></A:prop></A:sync-collection>`
	ms = decodeMultistatus(t, srv.report(t, "alice", cal, "1", sync))
	if ms.SyncToken == "" || ms.byHref(cal+"apple-1.ics") == nil {
		t.Errorf("Apple-style sync-collection: token %q, members %v; want a token and apple-1.ics", ms.SyncToken, ms.hrefs())
	}
}

// TestThunderbirdDiscovery replays Thunderbird's per-calendar checks
// (Thunderbird's requests).
func TestThunderbirdDiscovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		cal := calendarPath("alice", "calendar")
		ms := decodeMultistatus(t, srv.propfind(t, "alice", cal, "0", propfindBody(davName("resourcetype"), davName("owner"),
			davName("current-user-privilege-set"), davName("supported-report-set"), csName("getctag"),
			caldavName("supported-calendar-component-set"))))
		r := ms.byHref(cal)
		if r == nil {
			t.Fatalf("PROPFIND %s: no response for it (got %v)", cal, ms.hrefs())
		}
		if o := wantProp(t, r, davName("owner")).hrefs(); len(o) != 1 || hrefPath(o[0]) != principalPath("alice") {
			t.Errorf("owner = %v, want %s", o, principalPath("alice"))
		}
		privs := privilegeNames(wantProp(t, r, davName("current-user-privilege-set")))
		for _, want := range []xml.Name{davName("read"), davName("write")} {
			if !slices.Contains(privs, want) {
				t.Errorf("current-user-privilege-set %v lacks %s on the user's own calendar", privs, want.Local)
			}
		}
		reports := reportNames(wantProp(t, r, davName("supported-report-set")))
		for _, want := range []xml.Name{caldavName("calendar-query"), caldavName("calendar-multiget"), davName("sync-collection")} {
			if !slices.Contains(reports, want) {
				t.Errorf("supported-report-set %v lacks %s", reports, want.Local)
			}
		}
		ctag1 := wantProp(t, r, csName("getctag")).Text
		checkComponentSet(t, cal, wantProp(t, r, caldavName("supported-calendar-component-set")), "VEVENT")

		// OPTIONS: the DAV header decides the scheduling model.
		opt := srv.do(t, request{method: http.MethodOptions, path: cal, user: "alice"}).expect(t, http.StatusOK)
		dav := davTokens(opt.Header.Values("DAV"))
		for _, want := range []string{"1", "calendar-access"} {
			if !slices.Contains(dav, want) {
				t.Errorf("OPTIONS DAV header %v lacks %q (RFC 4791 §5.1)", dav, want)
			}
		}
		allow := opt.Header.Get("Allow")
		for _, m := range []string{"PROPFIND", "REPORT", "PUT", "DELETE", "MKCALENDAR"} {
			if !strings.Contains(allow, m) {
				t.Errorf("OPTIONS Allow %q lacks %s", allow, m)
			}
		}

		// Writes: 201 on create, 204 on update with If-Match, ctag changes,
		// DELETE of a missing resource is 404.
		put := srv.putICS(t, "alice", cal+"tb.ics", crlf(readTestdata(t, "single.ics")), map[string]string{"If-None-Match": "*"}).expect(t, http.StatusCreated)
		srv.putICS(t, "alice", cal+"tb.ics", crlf(readTestdata(t, "single.ics")), map[string]string{"If-Match": put.Header.Get("ETag")}).expect(t, http.StatusNoContent)
		ms = decodeMultistatus(t, srv.propfind(t, "alice", cal, "0", propfindBody(csName("getctag"))))
		if ctag2 := wantProp(t, &ms.Responses[0], csName("getctag")).Text; ctag2 == ctag1 {
			t.Errorf("getctag %q did not change after writes", ctag2)
		}
		srv.do(t, request{method: http.MethodDelete, path: cal + "tb.ics", user: "alice"}).expect(t, http.StatusNoContent)
		srv.do(t, request{method: http.MethodDelete, path: cal + "tb.ics", user: "alice"}).expect(t, http.StatusNotFound)

		// Attendee lookup (RFC 3744 §9.4).
		t.Run("principal-property-search", func(t *testing.T) {
			body := `<?xml version="1.0" encoding="UTF-8"?>
<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:property-search>
    <D:prop><C:calendar-user-address-set/></D:prop>
    <D:match>bob@example</D:match>
  </D:property-search>
  <D:prop><D:displayname/><C:calendar-user-address-set/></D:prop>
</D:principal-property-search>`
			ms := decodeMultistatus(t, srv.report(t, "alice", "/dav/principals/", "0", body))
			r := ms.byHref(principalPath("bob"))
			if r == nil {
				t.Fatalf("principal-property-search for bob@example: got %v, want %s", ms.hrefs(), principalPath("bob"))
			}
			if cuas := wantProp(t, r, caldavName("calendar-user-address-set")).hrefs(); !slices.Contains(cuas, "mailto:bob@example.com") {
				t.Errorf("bob's calendar-user-address-set %v lacks mailto:bob@example.com", cuas)
			}
			if ms.byHref(principalPath("alice")) != nil {
				t.Errorf("principal-property-search for bob@example also matched alice")
			}
		})
	})
}

// TestDAVx5Discovery replays DAVx5's discovery and collection listing
// (DAVx5's requests): properties it asks that Kalends does not have
// (CS:source, WebDAV-Push) come back 404 without failing the request.
func TestDAVx5Discovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		ms := decodeMultistatus(t, srv.propfind(t, "alice", "/", "0", propfindBody(davName("current-user-principal"))))
		cup := wantProp(t, &ms.Responses[0], davName("current-user-principal")).hrefs()
		if len(cup) != 1 {
			t.Fatalf("current-user-principal on / = %v", cup)
		}
		principal := hrefPath(cup[0])
		ms = decodeMultistatus(t, srv.propfind(t, "alice", principal, "0",
			propfindBody(caldavName("calendar-home-set"), caldavName("calendar-user-address-set"), davName("displayname"))))
		home := wantProp(t, &ms.Responses[0], caldavName("calendar-home-set")).hrefs()
		if len(home) != 1 {
			t.Fatalf("calendar-home-set = %v", home)
		}
		props := []xml.Name{davName("resourcetype"), davName("displayname"), davName("owner"), davName("current-user-privilege-set"),
			icalName("calendar-color"), caldavName("calendar-description"), caldavName("calendar-timezone"),
			caldavName("calendar-timezone-id"), caldavName("supported-calendar-component-set"), csName("source"),
			{Space: pushNS, Local: "push-transports"}, {Space: pushNS, Local: "topic"}, davName("sync-token"), csName("getctag")}
		ms = decodeMultistatus(t, srv.propfind(t, "alice", hrefPath(home[0]), "1", propfindBody(props...)))
		r := ms.byHref(calendarPath("alice", "tasks"))
		if r == nil {
			t.Fatalf("home listing: tasks/ missing (got %v)", ms.hrefs())
		}
		checkComponentSet(t, calendarPath("alice", "tasks"), wantProp(t, r, caldavName("supported-calendar-component-set")), "VTODO")
		wantPropStatus(t, r, csName("source"), http.StatusNotFound) // not a subscription
		wantPropStatus(t, r, xml.Name{Space: pushNS, Local: "topic"}, http.StatusNotFound)
		for _, n := range props {
			if _, st := r.prop(n); st == 0 {
				t.Errorf("tasks/: {%s}%s is in no propstat; every asked property must be answered", n.Space, n.Local)
			}
		}
		// Hrefs percent-encoded consistently: a resource name with '@' and
		// a space comes back as the same path (all clients).
		cal := calendarPath("alice", "calendar")
		name := "a%20b%40c.ics"
		srv.putICS(t, "alice", cal+name, icsEvent("enc@kalends.test", "DTSTART:20260302T090000Z"), nil).expect(t, http.StatusCreated)
		ms = decodeMultistatus(t, srv.propfind(t, "alice", cal, "1", propfindBody(davName("getetag"))))
		if ms.byHref(cal+"a b@c.ics") == nil {
			t.Errorf("the member %q is not listed under its path (got %v)", cal+name, ms.hrefs())
		}
		for _, h := range ms.Responses {
			for _, raw := range h.Hrefs {
				if strings.Contains(raw, " ") {
					t.Errorf("href %q is not percent-encoded", raw)
				}
			}
		}
	})
}

// privilegeNames lists the privileges of a current-user-privilege-set.
func privilegeNames(set *element) []xml.Name {
	var out []xml.Name
	for _, p := range set.Children {
		for _, c := range p.Children {
			out = append(out, c.XMLName)
		}
	}
	return out
}

// reportNames lists the reports of a supported-report-set (RFC 3253 §3.1.5).
func reportNames(set *element) []xml.Name {
	var out []xml.Name
	for _, sr := range set.Children {
		if r := sr.child(davName("report")); r != nil {
			for _, c := range r.Children {
				out = append(out, c.XMLName)
			}
		}
	}
	return out
}

// davTokens splits DAV header values into their compliance classes.
func davTokens(values []string) []string {
	var out []string
	for _, v := range values {
		for _, tok := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(tok))
		}
	}
	return out
}

// TestEvolutionCreateCalendar creates calendars the ways Evolution does
// (Evolution's requests): extended MKCOL (RFC 5689) and MKCALENDAR (RFC
// 4791 §5.3.1), each with a colour and a component set, then lists them.
func TestEvolutionCreateCalendar(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		mkcol := `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
  <D:set><D:prop>
    <D:resourcetype><D:collection/><C:calendar/></D:resourcetype>
    <D:displayname>Chores</D:displayname>
    <I:calendar-color>#2E8B57</I:calendar-color>
    <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</D:mkcol>`
		chores := calendarPath("alice", "chores")
		srv.do(t, request{method: "MKCOL", path: chores, user: "alice", body: mkcol,
			header: map[string]string{"Content-Type": "application/xml"}}).expect(t, http.StatusCreated)

		mkcal := `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
  <D:set><D:prop>
    <D:displayname>Trips</D:displayname>
    <I:calendar-color>#FF8C00</I:calendar-color>
    <C:calendar-description>Travel</C:calendar-description>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`
		trips := calendarPath("alice", "trips")
		srv.do(t, request{method: "MKCALENDAR", path: trips, user: "alice", body: mkcal,
			header: map[string]string{"Content-Type": "application/xml"}}).expect(t, http.StatusCreated)

		ms := decodeMultistatus(t, srv.propfind(t, "alice", homePath("alice"), "1", propfindBody(davName("displayname"),
			icalName("calendar-color"), caldavName("supported-calendar-component-set"), davName("resourcetype"), csName("getctag"))))
		for _, c := range []struct{ path, name, color, comp string }{
			{chores, "Chores", "#2E8B57", "VTODO"}, {trips, "Trips", "#FF8C00", "VEVENT"},
		} {
			r := ms.byHref(c.path)
			if r == nil {
				t.Errorf("new calendar %s not listed (got %v)", c.path, ms.hrefs())
				continue
			}
			if v := wantProp(t, r, davName("displayname")).Text; v != c.name {
				t.Errorf("%s: displayname %q, want %q", c.path, v, c.name)
			}
			if v := strings.TrimSpace(wantProp(t, r, icalName("calendar-color")).Text); v != c.color {
				t.Errorf("%s: calendar-color %q, want %q", c.path, v, c.color)
			}
			checkComponentSet(t, c.path, wantProp(t, r, caldavName("supported-calendar-component-set")), c.comp)
			wantProp(t, r, csName("getctag"))
		}

		// RFC 5689 §3: a resourcetype the server cannot create is refused
		// with DAV:valid-resourcetype; Kalends creates only calendars.
		plain := `<D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop></D:set></D:mkcol>`
		r := srv.do(t, request{method: "MKCOL", path: calendarPath("alice", "plain"), user: "alice", body: plain})
		wantCondition(t, r, http.StatusForbidden, davName("valid-resourcetype"))
	})
}
