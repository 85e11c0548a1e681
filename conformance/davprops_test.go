package conformance

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCollectionProperties runs the property rules of RFC 4918, 4791 and
// 3744 that issue 11 fixed against the real binary: a calendar's
// getetag, getcontenttype and getcontentlength match its GET; Apple's
// PROPPATCH of default alarms on the calendar home is stored; MKCALENDAR
// with a protected property answers 207 and creates nothing; the RFC
// 3744 reports principal-match and acl-principal-prop-set answer and
// need Depth: 0.
func TestCollectionProperties(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		cal := calendarPath("alice", "calendar")
		srv.putICS(t, "alice", cal+"a.ics", icsEvent("props-a@kalends.test", "DTSTART:20260302T090000Z"), nil).expect(t, http.StatusCreated)

		t.Run("collection GET properties", func(t *testing.T) {
			get := srv.do(t, request{method: http.MethodGet, path: cal, user: "alice"}).expect(t, http.StatusOK)
			ms := decodeMultistatus(t, srv.propfind(t, "alice", cal, "0",
				propfindBody(davName("getetag"), davName("getcontenttype"), davName("getcontentlength"))))
			r := ms.byHref(cal)
			for name, want := range map[string]string{"getetag": get.Header.Get("ETag"),
				"getcontenttype": get.Header.Get("Content-Type"), "getcontentlength": strconv.Itoa(len(get.Body))} {
				if got := wantProp(t, r, davName(name)).Text; got != want {
					t.Errorf("%s = %q, GET answers %q", name, got, want)
				}
			}
		})

		t.Run("home dead properties", func(t *testing.T) {
			home := homePath("alice")
			body := `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav"><A:set><A:prop>
<B:default-alarm-vevent-date>BEGIN:VALARM&#13;
TRIGGER:-PT15H&#13;
ACTION:DISPLAY&#13;
END:VALARM&#13;
</B:default-alarm-vevent-date></A:prop></A:set></A:propertyupdate>`
			ms := decodeMultistatus(t, srv.do(t, request{method: "PROPPATCH", path: home, user: "alice", body: body}))
			wantPropStatus(t, ms.byHref(home), caldavName("default-alarm-vevent-date"), http.StatusOK)
			ms = decodeMultistatus(t, srv.propfind(t, "alice", home, "0", propfindBody(caldavName("default-alarm-vevent-date"))))
			if v := wantProp(t, ms.byHref(home), caldavName("default-alarm-vevent-date")).Text; !strings.Contains(v, "TRIGGER:-PT15H") {
				t.Errorf("default-alarm-vevent-date on the home = %q", v)
			}
		})

		t.Run("MKCALENDAR with a protected property", func(t *testing.T) {
			path := calendarPath("alice", "refused")
			ms := decodeMultistatus(t, srv.do(t, request{method: "MKCALENDAR", path: path, user: "alice",
				body: `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
					`<D:displayname>Refused</D:displayname><D:getetag>"x"</D:getetag></D:prop></D:set></C:mkcalendar>`}))
			r := ms.byHref(path)
			if r == nil {
				t.Fatalf("no response for %s: %v", path, ms.hrefs())
			}
			wantPropStatus(t, r, davName("getetag"), http.StatusForbidden)
			wantPropStatus(t, r, davName("displayname"), http.StatusFailedDependency)
			srv.propfind(t, "alice", path, "0", propfindBody(davName("displayname"))).expect(t, http.StatusNotFound)
		})

		t.Run("RFC 3744 reports", func(t *testing.T) {
			match := `<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>`
			ms := decodeMultistatus(t, srv.report(t, "alice", "/dav/principals/", "0", match))
			if got := ms.hrefs(); !slices.Equal(got, []string{"/dav/principals/users/alice/"}) {
				t.Errorf("principal-match self = %v", got)
			}
			acl := `<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>`
			ms = decodeMultistatus(t, srv.report(t, "alice", cal, "0", acl))
			if ms.byHref("/dav/principals/users/alice/") == nil {
				t.Errorf("acl-principal-prop-set lacks the owner: %v", ms.hrefs())
			}
			srv.report(t, "alice", "/dav/principals/", "1", match).expect(t, http.StatusBadRequest)
			srv.report(t, "alice", cal, "infinity", acl).expect(t, http.StatusBadRequest)
			ms = decodeMultistatus(t, srv.propfind(t, "alice", cal, "0", propfindBody(davName("supported-report-set"))))
			set := ms.byHref(cal).Propstats[0].Prop.Props[0].Inner
			for _, r := range []string{"principal-match", "acl-principal-prop-set"} {
				if !strings.Contains(set, r) {
					t.Errorf("supported-report-set lacks %s", r)
				}
			}
		})
	})
}
