package conformance

import (
	"net/http"
	"strings"
	"testing"
)

// appleHomeSync is the sync-collection Apple Calendar polls a calendar
// home with (Apple Calendar, step 4): Depth 1, sync-level 1, the
// collection properties it lists the home by.
func appleHomeSync(token, level string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<A:sync-collection xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="http://apple.com/ns/ical/">
  <A:sync-token>` + token + `</A:sync-token>
  <A:sync-level>` + level + `</A:sync-level>
  <A:prop>
    <B:getctag/><A:sync-token/><A:displayname/><A:resourcetype/><D:calendar-color/><A:getetag/>
    <C:supported-calendar-component-set/><C:schedule-calendar-transp/>
  </A:prop>
</A:sync-collection>`
}

// TestAppleHomeSync replays Apple Calendar polling a calendar home by
// sync-collection while another device changes it (RFC 6578 §3.3): each
// poll from the previous token reports the collections created, deleted,
// PROPPATCHed or with changed members, a token from before several
// changes keeps working, and sync-level infinite also reports objects.
func TestAppleHomeSync(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		home, cal, tasks := homePath("alice"), calendarPath("alice", "calendar"), calendarPath("alice", "tasks")
		poll := func(token, level string) *multistatus {
			t.Helper()
			return decodeMultistatus(t, srv.report(t, "alice", home, "1", appleHomeSync(token, level)))
		}
		want := func(what string, ms *multistatus, statuses map[string]int) {
			t.Helper()
			if len(ms.Responses) != len(statuses) {
				t.Fatalf("%s: responses %v, want %v", what, ms.hrefs(), statuses)
			}
			for path, st := range statuses {
				r := ms.byHref(path)
				got := http.StatusOK
				if r != nil && r.Status != "" {
					got = statusCode(r.Status)
				}
				if r == nil || got != st {
					t.Fatalf("%s: %s missing or not %d (got %v)", what, path, st, ms.hrefs())
				}
			}
		}

		ms := poll("", "1")
		first := ms.SyncToken
		if first == "" || ms.byHref(cal) == nil || ms.byHref(tasks) == nil {
			t.Fatalf("initial home sync: token %q, members %v", first, ms.hrefs())
		}
		homeCtag := func() string {
			t.Helper()
			ms := decodeMultistatus(t, srv.propfind(t, "alice", home, "0", propfindBody(csName("getctag"), davName("sync-token"))))
			return wantProp(t, &ms.Responses[0], csName("getctag")).Text
		}
		ctag := homeCtag()

		// Another device adds an event: the calendar is reported, with the
		// getctag the calendar itself now has.
		srv.putICS(t, "alice", cal+"other-device.ics", crlf(readTestdata(t, "single.ics")), nil).expect(t, http.StatusCreated)
		ms = poll(first, "1")
		want("after a PUT", ms, map[string]int{cal: http.StatusOK})
		own := decodeMultistatus(t, srv.propfind(t, "alice", cal, "0", propfindBody(csName("getctag"))))
		if got, now := wantProp(t, ms.byHref(cal), csName("getctag")).Text, wantProp(t, &own.Responses[0], csName("getctag")).Text; got != now {
			t.Errorf("home sync reports getctag %q for the calendar, which has %q", got, now)
		}
		if homeCtag() == ctag {
			t.Errorf("the home's getctag did not change with a PUT below it")
		}
		second := ms.SyncToken

		// Another device recolours the task list (Apple's PROPPATCH).
		srv.do(t, request{method: "PROPPATCH", path: tasks, user: "alice", header: map[string]string{"Content-Type": "text/xml"},
			body: `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:" xmlns:D="http://apple.com/ns/ical/"><A:set><A:prop>
  <D:calendar-color symbolic-color="custom">#FF2968FF</D:calendar-color></A:prop></A:set></A:propertyupdate>`}).expect(t, http.StatusMultiStatus)
		ms = poll(second, "1")
		want("after a PROPPATCH", ms, map[string]int{tasks: http.StatusOK})
		if c := wantProp(t, ms.byHref(tasks), icalName("calendar-color")).Text; !strings.HasPrefix(c, "#FF2968") {
			t.Errorf("recoloured collection reported with calendar-color %q", c)
		}

		// A calendar created, another created and deleted.
		work, gone := calendarPath("alice", "work"), calendarPath("alice", "gone")
		srv.do(t, request{method: "MKCALENDAR", path: work, user: "alice"}).expect(t, http.StatusCreated)
		srv.do(t, request{method: "MKCALENDAR", path: gone, user: "alice"}).expect(t, http.StatusCreated)
		srv.do(t, request{method: "DELETE", path: gone, user: "alice"}).expect(t, http.StatusNoContent)
		want("after MKCALENDAR and DELETE", poll(ms.SyncToken, "1"), map[string]int{work: http.StatusOK, gone: http.StatusNotFound})

		// The first token still works: the latest state of each collection.
		want("from the first token", poll(first, "1"), map[string]int{cal: http.StatusOK, tasks: http.StatusOK,
			work: http.StatusOK, gone: http.StatusNotFound})
		// sync-level infinite: the objects too.
		want("sync-level infinite from the first token", poll(first, "infinite"), map[string]int{cal: http.StatusOK,
			cal + "other-device.ics": http.StatusOK, tasks: http.StatusOK, work: http.StatusOK, gone: http.StatusNotFound})

		// A token of another kind is refused so that the client starts over.
		r := srv.report(t, "alice", home, "1", appleHomeSync("urn:kalends:sync:1:1", "1"))
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "valid-sync-token") {
			t.Errorf("a collection's token on the home: %d %s, want 403 valid-sync-token", r.Status, r.Body)
		}
	})
}
