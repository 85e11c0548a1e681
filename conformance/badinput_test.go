package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestBadInput sends malformed, oversized, invalid and forbidden requests
// over real HTTP. Each must get its 4xx with the precondition element the
// RFC defines, and none may change stored data: never a 500, never a
// partial write.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		cal := calendarPath("alice", "calendar")
		orig := cal + "orig.ics"
		origData := crlf(readTestdata(t, "single.ics"))
		put := srv.putICS(t, "alice", orig, origData, nil).expect(t, http.StatusCreated)
		origETag := put.Header.Get("ETag")
		bobObj := calendarPath("bob", "calendar") + "private.ics"
		bobData := icsEvent("bob-private@kalends.test", "DTSTART:20260302T090000Z", "SUMMARY:Bob's secret")
		bobETag := srv.putICS(t, "bob", bobObj, bobData, nil).expect(t, http.StatusCreated).Header.Get("ETag")
		// A source in another calendar of alice's for COPY and MOVE.
		srv.do(t, request{method: "MKCALENDAR", path: calendarPath("alice", "second"), user: "alice"}).expect(t, http.StatusCreated)
		src := calendarPath("alice", "second") + "src.ics"
		srv.putICS(t, "alice", src, icsEvent("src@kalends.test", "DTSTART:20260304T090000Z"), nil).expect(t, http.StatusCreated)

		// unchanged checks that alice's and bob's objects are as stored and
		// that alice's calendar holds nothing else.
		unchanged := func(t *testing.T) {
			t.Helper()
			for _, o := range []struct{ user, path, data, etag string }{
				{"alice", orig, origData, origETag}, {"bob", bobObj, bobData, bobETag},
			} {
				r := srv.do(t, request{method: http.MethodGet, path: o.path, user: o.user})
				if r.Status != http.StatusOK || string(r.Body) != o.data || r.Header.Get("ETag") != o.etag {
					t.Errorf("after the bad request, GET %s: %d ETag %s (want 200, %s, the original bytes)\n%s",
						o.path, r.Status, r.Header.Get("ETag"), o.etag, r.Body)
				}
			}
			ms := decodeMultistatus(t, srv.propfind(t, "alice", cal, "1", propfindBody(davName("getetag"))))
			if got := ms.hrefs(); len(got) != 2 { // the collection and orig.ics
				t.Errorf("after the bad request, alice's calendar lists %v, want only orig.ics", got)
			}
		}

		malformed := `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag></D:prop>`
		cases := []badCase{
			{"malformed XML PROPFIND", request{method: "PROPFIND", path: cal, user: "alice", body: malformed,
				header: map[string]string{"Depth": "0"}}, status(http.StatusBadRequest)},
			{"malformed XML PROPPATCH", request{method: "PROPPATCH", path: cal, user: "alice", body: malformed},
				status(http.StatusBadRequest)},
			// RFC 4918 §8.2: XML that is not well-formed rejects the whole
			// request with 400, whatever its root element names.
			{"malformed XML REPORT", request{method: "REPORT", path: cal, user: "alice", body: malformed,
				header: map[string]string{"Depth": "1"}}, status(http.StatusBadRequest)},
			{"malformed XML calendar-query", request{method: "REPORT", path: cal, user: "alice",
				body:   `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>`,
				header: map[string]string{"Depth": "1"}}, status(http.StatusBadRequest)},
			{"malformed XML sync-collection", request{method: "REPORT", path: cal, user: "alice",
				body:   `<D:sync-collection xmlns:D="DAV:"><D:sync-token></D:sync-collection>`,
				header: map[string]string{"Depth": "0"}}, status(http.StatusBadRequest)},
			{"calendar-query without a filter", request{method: "REPORT", path: cal, user: "alice",
				body:   `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop></C:calendar-query>`,
				header: map[string]string{"Depth": "1"}},
				// RFC 4791 §7.8: CALDAV:filter is required; a violated
				// precondition is 403 with its element (RFC 4918 §16).
				condition(http.StatusForbidden, caldavName("valid-filter"))},
			{"time-range with end before start", request{method: "REPORT", path: cal, user: "alice",
				body: `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260401T000000Z" end="20260301T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`,
				header: map[string]string{"Depth": "1"}},
				// RFC 4791 §9.9: end must be after start.
				condition(http.StatusForbidden, caldavName("valid-filter"))},
			// RFC 4791 §9.7.1, §9.9: filters whose shape can never match.
			badFilter(cal, "VEVENT inside VEVENT", `<C:comp-filter name="VEVENT"><C:comp-filter name="VEVENT"/></C:comp-filter>`),
			badFilter(cal, "VEVENT inside VALARM", `<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:comp-filter name="VEVENT"/></C:comp-filter></C:comp-filter>`),
			badFilter(cal, "VALARM under VCALENDAR", `<C:comp-filter name="VALARM"/>`),
			badFilter(cal, "time-range on SUMMARY", `<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:time-range start="20260101T000000Z"/></C:prop-filter></C:comp-filter>`),
			badFilter(cal, "time-range on VTIMEZONE", `<C:comp-filter name="VTIMEZONE"><C:time-range start="20260101T000000Z"/></C:comp-filter>`),
			badFilter(cal, "time-range on STANDARD", `<C:comp-filter name="VTIMEZONE"><C:comp-filter name="STANDARD"><C:time-range start="20260101T000000Z"/></C:comp-filter></C:comp-filter>`),
			badFilter(cal, "time-range on an X- component", `<C:comp-filter name="X-KALENDS"><C:time-range start="20260101T000000Z"/></C:comp-filter>`),
			// Hostile names (issue 11): refused with a reason, nothing stored.
			{"PUT of a name with CR LF", request{method: http.MethodPut, path: cal + "a%0D%0Ab.ics", user: "alice",
				body: icsEvent("crlf@kalends.test", "DTSTART:20260302T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				status(http.StatusForbidden)},
			{"PUT of a name with NUL", request{method: http.MethodPut, path: cal + "a%00b.ics", user: "alice",
				body: icsEvent("nul@kalends.test", "DTSTART:20260302T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				status(http.StatusBadRequest)},
			{"PUT of a name that is not UTF-8", request{method: http.MethodPut, path: cal + "a%FF%FEb.ics", user: "alice",
				body: icsEvent("latin@kalends.test", "DTSTART:20260302T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				status(http.StatusBadRequest)},
			{"PUT of a 100,000-character name", request{method: http.MethodPut, path: cal + strings.Repeat("n", 100000) + ".ics", user: "alice",
				body: icsEvent("long@kalends.test", "DTSTART:20260302T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				status(http.StatusForbidden)},
			{"MKCALENDAR of a name with a control character", request{method: "MKCALENDAR", path: homePath("alice") + "c%07/", user: "alice"},
				status(http.StatusForbidden)},
			{"PROPPATCH of a 200 KB dead property", request{method: "PROPPATCH", path: cal, user: "alice",
				body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><X:big xmlns:X="urn:x-conformance">` + strings.Repeat("x", 200<<10) +
					`</X:big></D:prop></D:set></D:propertyupdate>`},
				func(t *testing.T, r *response) {
					// RFC 4918 §9.2.1: 507, no room to record it.
					wantPropStatus(t, decodeMultistatus(t, r).byHref(cal), xml.Name{Space: "urn:x-conformance", Local: "big"}, http.StatusInsufficientStorage)
				}},
			{"calendar-multiget of hrefs with NUL and bytes that are not UTF-8", request{method: "REPORT", path: cal, user: "alice",
				header: map[string]string{"Depth": "1"},
				body: `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>` +
					`<D:href>` + cal + `a%00b.ics</D:href><D:href>` + cal + `a%FFb.ics</D:href></C:calendar-multiget>`},
				func(t *testing.T, r *response) {
					ms := decodeMultistatus(t, r)
					for _, resp := range ms.Responses {
						if statusCode(resp.Status) != http.StatusNotFound {
							t.Errorf("multiget of %v: %s, want 404", resp.Hrefs, resp.Status)
						}
					}
				}},
			{"malformed XML MKCALENDAR", request{method: "MKCALENDAR", path: calendarPath("alice", "new"), user: "alice", body: malformed},
				status(http.StatusBadRequest)},
			{"oversized PUT", request{method: http.MethodPut, path: cal + "big.ics", user: "alice",
				body: bigEvent(2 << 20), header: map[string]string{"Content-Type": "text/calendar"}},
				// RFC 4791 §5.3.2.1 names the precondition; 413 says why.
				condition(http.StatusRequestEntityTooLarge, caldavName("max-resource-size"))},
			{"oversized PROPFIND body", request{method: "PROPFIND", path: cal, user: "alice", body: bigPropfind(2 << 20),
				header: map[string]string{"Depth": "0"}}, status(http.StatusRequestEntityTooLarge)},
			{"text/plain PUT", request{method: http.MethodPut, path: cal + "note.txt", user: "alice", body: "hello\n",
				header: map[string]string{"Content-Type": "text/plain"}},
				condition(http.StatusUnsupportedMediaType, caldavName("supported-calendar-data"))},
			{"invalid iCalendar", request{method: http.MethodPut, path: cal + "broken.ics", user: "alice",
				body:   "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:not-a-date\r\n",
				header: map[string]string{"Content-Type": "text/calendar"}},
				condition(http.StatusForbidden, caldavName("valid-calendar-data"))},
			// RFC 4791 §5.2.9, §5.3.2.1: 4,000 attendees outside the server
			// would be 4,000 deliveries; refused before any, nothing queued.
			{"4,000 attendees", request{method: http.MethodPut, path: cal + "huge.ics", user: "alice",
				body: manyAttendees(4000), header: map[string]string{"Content-Type": "text/calendar"}},
				func(t *testing.T, r *response) {
					wantCondition(t, r, http.StatusForbidden, caldavName("max-attendees-per-instance"))
					ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
					defer cancel()
					cmd := exec.CommandContext(ctx, kalendsBin, "mail", "list", "--database", srv.database)
					cmd.Env = kalendsEnv()
					out, err := cmd.CombinedOutput()
					if err != nil || strings.Contains(string(out), "elsewhere.example") {
						t.Errorf("kalends mail list after the refused PUT: %v\n%s", err, out)
					}
				}},
			{"two UIDs in one resource", request{method: http.MethodPut, path: cal + "two.ics", user: "alice",
				body: twoUIDs(), header: map[string]string{"Content-Type": "text/calendar"}},
				condition(http.StatusForbidden, caldavName("valid-calendar-object-resource"))},
			{"METHOD in a stored object", request{method: http.MethodPut, path: cal + "method.ics", user: "alice",
				body:   strings.Replace(icsEvent("method@kalends.test", "DTSTART:20260302T090000Z"), "VERSION:2.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n", 1),
				header: map[string]string{"Content-Type": "text/calendar"}},
				// RFC 4791 §4.1: calendar object resources MUST NOT have METHOD.
				condition(http.StatusForbidden, caldavName("valid-calendar-object-resource"))},
			{"VTODO in a VEVENT calendar", request{method: http.MethodPut, path: cal + "todo.ics", user: "alice",
				body: crlf(readTestdata(t, "todo.ics")), header: map[string]string{"Content-Type": "text/calendar"}},
				condition(http.StatusForbidden, caldavName("supported-calendar-component"))},
			{"duplicate UID in the calendar", request{method: http.MethodPut, path: cal + "dup.ics", user: "alice",
				body: origData, header: map[string]string{"Content-Type": "text/calendar"}},
				func(t *testing.T, r *response) {
					// RFC 4791 §5.3.2.1: the href of the resource holding the UID.
					wantUIDConflict(t, r, orig)
				}},
			// RFC 4791 §5.3.2.1: no overwrite "with one that has a different
			// UID property value", by PUT, COPY or MOVE; the href names the
			// resource whose UID would change.
			{"PUT of another UID over an existing object", request{method: http.MethodPut, path: orig, user: "alice",
				body: icsEvent("another-uid@kalends.test", "DTSTART:20260303T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				func(t *testing.T, r *response) { wantUIDConflict(t, r, orig) }},
			{"COPY onto an object of another UID", request{method: "COPY", path: src, user: "alice",
				header: map[string]string{"Destination": srv.url(orig), "Overwrite": "T"}},
				func(t *testing.T, r *response) { wantUIDConflict(t, r, orig) }},
			{"MOVE onto an object of another UID", request{method: "MOVE", path: src, user: "alice",
				header: map[string]string{"Destination": srv.url(orig), "Overwrite": "T"}},
				func(t *testing.T, r *response) {
					wantUIDConflict(t, r, orig)
					srv.do(t, request{method: http.MethodGet, path: src, user: "alice"}).expect(t, http.StatusOK)
				}},
			{"wrong If-Match", request{method: http.MethodPut, path: orig, user: "alice",
				body:   icsEvent("single-1@kalends.test", "DTSTART:20260303T090000Z"),
				header: map[string]string{"Content-Type": "text/calendar", "If-Match": `"not-the-etag"`}},
				status(http.StatusPreconditionFailed)},
			{"If-None-Match * on an existing object", request{method: http.MethodPut, path: orig, user: "alice",
				body:   icsEvent("single-1@kalends.test", "DTSTART:20260303T090000Z"),
				header: map[string]string{"Content-Type": "text/calendar", "If-None-Match": "*"}},
				status(http.StatusPreconditionFailed)},
			{"wrong If-Match on DELETE", request{method: http.MethodDelete, path: orig, user: "alice",
				header: map[string]string{"If-Match": `"not-the-etag"`}}, status(http.StatusPreconditionFailed)},
			{"PUT into the home", request{method: http.MethodPut, path: homePath("alice") + "stray.ics", user: "alice",
				body: icsEvent("stray@kalends.test", "DTSTART:20260302T090000Z"), header: map[string]string{"Content-Type": "text/calendar"}},
				status4xx},
			{"MKCALENDAR over an existing calendar", request{method: "MKCALENDAR", path: cal, user: "alice"},
				// RFC 4791 §5.3.1: 405 when a resource exists at the URI.
				status(http.StatusMethodNotAllowed)},
			{"MKCALENDAR inside a calendar", request{method: "MKCALENDAR", path: cal + "sub/", user: "alice"},
				condition(http.StatusForbidden, caldavName("calendar-collection-location-ok"))},
			{"Depth infinity PROPFIND", request{method: "PROPFIND", path: homePath("alice"), user: "alice",
				body: propfindBody(davName("getetag")), header: map[string]string{"Depth": "infinity"}},
				condition(http.StatusForbidden, davName("propfind-finite-depth"))},
			{"PROPPATCH of a protected property", request{method: "PROPPATCH", path: cal, user: "alice",
				body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>"x"</D:getetag></D:prop></D:set></D:propertyupdate>`},
				func(t *testing.T, r *response) {
					// RFC 4918 §9.2: 207 with 403 for that property.
					ms := decodeMultistatus(t, r)
					if _, st := ms.Responses[0].prop(davName("getetag")); st != http.StatusForbidden {
						t.Errorf("PROPPATCH of DAV:getetag: status %d in its propstat, want 403", st)
					}
				}},
			{"unknown REPORT", request{method: "REPORT", path: cal, user: "alice", header: map[string]string{"Depth": "0"},
				body: `<X:no-such-report xmlns:X="urn:x-conformance"/>`},
				condition(http.StatusForbidden, davName("supported-report"))},
			{"wrong password", request{method: "PROPFIND", path: cal, header: map[string]string{"Depth": "0",
				"Authorization": "Basic YWxpY2U6d3Jvbmc="}}, status(http.StatusUnauthorized)}, // alice:wrong
		}
		// Bob's resources, as alice: 403 whether or not they exist, so
		// that names do not leak.
		for _, rq := range []request{
			{method: "PROPFIND", path: homePath("bob"), header: map[string]string{"Depth": "1"}},
			{method: http.MethodGet, path: bobObj},
			{method: http.MethodGet, path: calendarPath("bob", "calendar") + "nonexistent.ics"},
			{method: http.MethodPut, path: bobObj, body: bobData, header: map[string]string{"Content-Type": "text/calendar"}},
			{method: http.MethodDelete, path: bobObj},
			{method: "PROPPATCH", path: calendarPath("bob", "calendar"),
				body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>pwned</D:displayname></D:prop></D:set></D:propertyupdate>`},
			{method: "MKCALENDAR", path: calendarPath("bob", "evil")},
			{method: "REPORT", path: calendarPath("bob", "calendar"), body: syncQuery(""), header: map[string]string{"Depth": "0"}},
			{method: "MOVE", path: orig, header: map[string]string{"Destination": srv.url(bobObj), "Overwrite": "T"}},
			{method: "COPY", path: orig, header: map[string]string{"Destination": srv.url(calendarPath("bob", "calendar") + "copy.ics")}},
		} {
			rq.user = "alice"
			cases = append(cases, badCase{"other user's " + rq.method + " " + rq.path, rq, status(http.StatusForbidden)})
		}

		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.check(t, srv.do(t, tc.rq))
				unchanged(t)
			})
		}
		ms := decodeMultistatus(t, srv.propfind(t, "bob", calendarPath("bob", "calendar"), "0", propfindBody(davName("displayname"))))
		if v := wantProp(t, &ms.Responses[0], davName("displayname")).Text; v == "pwned" {
			t.Errorf("alice renamed bob's calendar")
		}
		if strings.Contains(srv.stderr.String(), "internal error") {
			t.Errorf("bad input provoked an internal server error; see the server log")
		}
	})
}

// badCase is one case of TestBadInput.
type badCase = struct {
	name  string
	rq    request
	check func(t *testing.T, r *response)
}

// badFilter is a calendar-query on cal whose filter, inside the top-level
// VCALENDAR comp-filter, is inner: 403 valid-filter, not an empty 207.
func badFilter(cal, name, inner string) badCase {
	body := `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>` +
		`<C:filter><C:comp-filter name="VCALENDAR">` + inner + `</C:comp-filter></C:filter></C:calendar-query>`
	return badCase{"filter with " + name, request{method: "REPORT", path: cal, user: "alice", body: body,
		header: map[string]string{"Depth": "1"}}, condition(http.StatusForbidden, caldavName("valid-filter"))}
}

// wantUIDConflict checks for 403 no-uid-conflict naming href alone.
func wantUIDConflict(t *testing.T, r *response, href string) {
	t.Helper()
	c := wantCondition(t, r, http.StatusForbidden, caldavName("no-uid-conflict"))
	if c != nil && (len(c.hrefs()) != 1 || hrefPath(c.hrefs()[0]) != href) {
		t.Errorf("no-uid-conflict hrefs %v, want [%s]", c.hrefs(), href)
	}
}

// status returns a check that the answer has status want.
func status(want int) func(t *testing.T, r *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		r.expect(t, want)
	}
}

// status4xx checks for a client error, any.
func status4xx(t *testing.T, r *response) {
	t.Helper()
	if r.Status < 400 || r.Status > 499 {
		t.Errorf("%s: status %d, want a 4xx\n%s", r.req, r.Status, r.Body)
	}
}

// condition returns a check for a status with a DAV:error precondition.
func condition(st int, cond xml.Name) func(t *testing.T, r *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		wantCondition(t, r, st, cond)
	}
}

// bigEvent is a valid event of about size bytes (a long DESCRIPTION,
// folded at 75 octets as RFC 5545 §3.1 requires).
func bigEvent(size int) string {
	var b bytes.Buffer
	b.WriteString("DESCRIPTION:")
	for b.Len() < size {
		b.WriteString(strings.Repeat("x", 73) + "\r\n ")
	}
	b.WriteString("end")
	return icsEvent("big@kalends.test", "DTSTART:20260302T090000Z", b.String())
}

// bigPropfind is a well-formed PROPFIND of about size bytes.
func bigPropfind(size int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>`)
	for b.Len() < size {
		b.WriteString(`<D:getetag/>`)
	}
	b.WriteString(`</D:prop></D:propfind>`)
	return b.String()
}

// twoUIDs is a calendar object holding two events with different UIDs
// (RFC 4791 §4.1 forbids it).
func twoUIDs() string {
	return crlf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kalends//conformance//EN
BEGIN:VEVENT
UID:first@kalends.test
DTSTAMP:20260101T000000Z
DTSTART:20260302T090000Z
END:VEVENT
BEGIN:VEVENT
UID:second@kalends.test
DTSTAMP:20260101T000000Z
DTSTART:20260303T090000Z
END:VEVENT
END:VCALENDAR
`)
}

// manyAttendees is a meeting of alice with n attendees outside the server.
func manyAttendees(n int) string {
	lines := []string{"DTSTART:20260302T090000Z", "DURATION:PT1H", "SUMMARY:All hands", "ORGANIZER:mailto:alice@example.com"}
	for i := range n {
		lines = append(lines, fmt.Sprintf("ATTENDEE;RSVP=TRUE:mailto:guest%d@elsewhere.example", i))
	}
	return icsEvent("huge@kalends.test", lines...)
}
