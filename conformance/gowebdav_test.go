package conformance

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// The objects the client tests store in alice's "calendar", and the
// instances each has (RFC 5545 §3.8.5: EXDATE removes one, RECURRENCE-ID
// moves one). Times are UTC.
var fixtureInstances = map[string][]string{
	"single.ics":    {"20260302T090000Z"},
	"recurring.ics": {"20260302T120000Z", "20260303T120000Z", "20260305T120000Z", "20260306T120000Z"},
	"override.ics":  {"20260302T150000Z", "20260310T160000Z", "20260316T150000Z"},
}

var fixtureUIDs = map[string]string{
	"single.ics":    "single-1@kalends.test",
	"recurring.ics": "recurring-1@kalends.test",
	"override.ics":  "override-1@kalends.test",
}

// davClient returns go-webdav's CalDAV client logged in as user.
func (s *server) davClient(t *testing.T, user string) (*caldav.Client, webdav.HTTPClient) {
	t.Helper()
	hc := webdav.HTTPClientWithBasicAuth(&http.Client{Timeout: requestTimeout}, user, s.users[user])
	c, err := caldav.NewClient(hc, s.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	return c, hc
}

func parseICS(t *testing.T, data string) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("parsing iCalendar: %v\n%s", err, data)
	}
	return cal
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestGoWebDAVClient drives the server with go-webdav's CalDAV client, the
// client Kalends' own importer uses: discovery (RFC 5397, RFC 4791 §6.2.1),
// PUT/GET of single, recurring and overridden events (RFC 4791 §5.3.2),
// calendar-query with a time range (§7.8, §9.9), multiget (§7.9). Expand
// (§9.6.5) and sync-collection (RFC 6578) are not in go-webdav v0.6.0's
// CalDAV client, so those steps send the RFC's XML themselves.
func TestGoWebDAVClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		c, _ := srv.davClient(t, "alice")
		calPath := calendarPath("alice", "calendar")

		t.Run("discovery", func(t *testing.T) {
			principal, err := c.FindCurrentUserPrincipal(ctxT(t))
			if err != nil {
				t.Fatalf("FindCurrentUserPrincipal: %v", err)
			}
			if principal != principalPath("alice") {
				t.Errorf("current-user-principal = %q, want %q", principal, principalPath("alice"))
			}
			home, err := c.FindCalendarHomeSet(ctxT(t), principal)
			if err != nil {
				t.Fatalf("FindCalendarHomeSet: %v", err)
			}
			if home != homePath("alice") {
				t.Errorf("calendar-home-set = %q, want %q", home, homePath("alice"))
			}
			cals, err := c.FindCalendars(ctxT(t), home)
			if err != nil {
				t.Fatalf("FindCalendars: %v", err)
			}
			got := map[string][]string{}
			for _, cal := range cals {
				got[cal.Path] = cal.SupportedComponentSet
				if cal.MaxResourceSize <= 0 {
					t.Errorf("%s: max-resource-size %d, want > 0", cal.Path, cal.MaxResourceSize)
				}
			}
			// The defaults created on first access (README "URLs"); inbox
			// and outbox are not calendar collections.
			want := map[string][]string{
				calendarPath("alice", "calendar"): {"VEVENT"},
				calendarPath("alice", "tasks"):    {"VTODO"},
			}
			for p, comps := range want {
				if !slices.Equal(got[p], comps) {
					t.Errorf("calendar %s: components %v, want %v (all found: %v)", p, got[p], comps, got)
				}
			}
			if len(got) != len(want) {
				t.Errorf("FindCalendars found %d calendars %v, want exactly %d", len(got), got, len(want))
			}
		})

		etags := map[string]string{} // file → ETag (unquoted, as go-webdav gives it)
		t.Run("put", func(t *testing.T) {
			for _, f := range []string{"single.ics", "recurring.ics", "override.ics"} {
				obj, err := c.PutCalendarObject(ctxT(t), calPath+f, parseICS(t, crlf(readTestdata(t, f))))
				if err != nil {
					t.Fatalf("PutCalendarObject %s: %v", f, err)
				}
				if obj.ETag == "" {
					t.Errorf("PUT %s: no ETag; RFC 4791 §5.3.4 lets the server return it when it stores the data as sent", f)
				}
				etags[f] = obj.ETag
			}
			todo, err := c.PutCalendarObject(ctxT(t), calendarPath("alice", "tasks")+"todo.ics", parseICS(t, crlf(readTestdata(t, "todo.ics"))))
			if err != nil {
				t.Fatalf("PutCalendarObject todo.ics into tasks: %v", err)
			}
			if todo.ETag == "" {
				t.Error("PUT todo.ics: no ETag")
			}
		})

		t.Run("get", func(t *testing.T) {
			for f, uid := range fixtureUIDs {
				obj, err := c.GetCalendarObject(ctxT(t), calPath+f)
				if err != nil {
					t.Errorf("GetCalendarObject %s: %v", f, err)
					continue
				}
				if obj.ETag != etags[f] {
					t.Errorf("GET %s: ETag %q, PUT gave %q", f, obj.ETag, etags[f])
				}
				if got := objectUID(obj.Data); got != uid {
					t.Errorf("GET %s: UID %q, want %q", f, got, uid)
				}
			}
			// The override must survive as a second VEVENT.
			obj, err := c.GetCalendarObject(ctxT(t), calPath+"override.ics")
			if err == nil {
				if n := len(obj.Data.Events()); n != 2 {
					t.Errorf("override.ics has %d VEVENTs after the round trip, want 2 (master + RECURRENCE-ID)", n)
				}
			}
		})

		t.Run("query-time-range", func(t *testing.T) {
			// RFC 4791 §9.9: an object matches when any instance overlaps.
			// The moved instance of override.ics (9 → 10 March) counts at
			// its new time only.
			cases := []struct {
				name       string
				start, end time.Time
				want       []string
			}{
				{"first week", day(2026, 3, 1), day(2026, 3, 8), []string{"override.ics", "recurring.ics", "single.ics"}},
				{"moved instance's new day", day(2026, 3, 10), day(2026, 3, 11), []string{"override.ics"}},
				{"moved instance's old day", day(2026, 3, 9), day(2026, 3, 10), nil},
				{"excluded day only", at(2026, 3, 4, 11), at(2026, 3, 4, 14), nil},
				{"after everything", day(2026, 4, 1), day(2026, 5, 1), nil},
			}
			for _, tc := range cases {
				objs, err := c.QueryCalendar(ctxT(t), calPath, &caldav.CalendarQuery{
					CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
					CompFilter: caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{
						{Name: "VEVENT", Start: tc.start, End: tc.end},
					}},
				})
				if err != nil {
					t.Errorf("%s: QueryCalendar: %v", tc.name, err)
					continue
				}
				var got []string
				for _, o := range objs {
					got = append(got, strings.TrimPrefix(o.Path, calPath))
					if f := strings.TrimPrefix(o.Path, calPath); etags[f] != "" && o.ETag != etags[f] {
						t.Errorf("%s: %s has ETag %q in the report, %q from PUT", tc.name, f, o.ETag, etags[f])
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s [%s, %s): got %v, want %v", tc.name, tc.start.Format(time.RFC3339), tc.end.Format(time.RFC3339), got, tc.want)
				}
			}
		})

		t.Run("query-expand", func(t *testing.T) {
			// go-webdav v0.6.0's CalendarCompRequest has no expand, so the
			// RFC 4791 §9.6.5 request is sent as XML.
			ms := decodeMultistatus(t, srv.report(t, "alice", calPath, "1", expandQuery("20260301T000000Z", "20260401T000000Z")))
			seen := map[string]bool{}
			for i := range ms.Responses {
				r := &ms.Responses[i]
				f := strings.TrimPrefix(r.href(), calPath)
				seen[f] = true
				data := wantProp(t, r, caldavName("calendar-data"))
				checkExpanded(t, f, data.Text, fixtureInstances[f])
			}
			for f := range fixtureInstances {
				if !seen[f] {
					t.Errorf("expand query: %s missing from the answer (got %v)", f, ms.hrefs())
				}
			}
		})

		t.Run("multiget", func(t *testing.T) {
			var paths []string
			for f := range fixtureUIDs {
				paths = append(paths, calPath+f)
			}
			paths = append(paths, calPath+"missing.ics")
			objs, err := c.MultiGetCalendar(ctxT(t), calPath, &caldav.CalendarMultiGet{
				Paths:       paths,
				CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
			})
			if err != nil {
				// go-webdav fails the whole call if one response lacks
				// calendar-data, as a 404 response does; check by hand.
				t.Logf("MultiGetCalendar with a missing href: %v (checking the raw answer)", err)
			}
			for _, o := range objs {
				f := strings.TrimPrefix(o.Path, calPath)
				if o.ETag != etags[f] {
					t.Errorf("multiget %s: ETag %q, PUT gave %q", f, o.ETag, etags[f])
				}
			}
			body := `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>`
			for _, p := range paths {
				body += "<D:href>" + p + "</D:href>"
			}
			body += "</C:calendar-multiget>"
			ms := decodeMultistatus(t, srv.report(t, "alice", calPath, "1", body))
			for f, uid := range fixtureUIDs {
				r := ms.byHref(calPath + f)
				if r == nil {
					t.Errorf("multiget: no response for %s (got %v)", f, ms.hrefs())
					continue
				}
				if got := strings.Trim(wantProp(t, r, davName("getetag")).Text, `"`); got != etags[f] {
					t.Errorf("multiget %s: getetag %q, want %q", f, got, etags[f])
				}
				if !strings.Contains(wantProp(t, r, caldavName("calendar-data")).Text, "UID:"+uid) {
					t.Errorf("multiget %s: calendar-data lacks UID:%s", f, uid)
				}
			}
			// RFC 4791 §7.9: a missing resource is a response with 404.
			if r := ms.byHref(calPath + "missing.ics"); r == nil || statusCode(r.Status) != http.StatusNotFound {
				t.Errorf("multiget of a missing href: want a response with status 404, got %+v", r)
			}
		})

		t.Run("sync-collection", func(t *testing.T) {
			testSyncCollection(t, srv, "alice", calPath, etags)
		})
	})
}

// objectUID is the UID of the first component of cal that has one.
func objectUID(cal *ical.Calendar) string {
	for _, c := range cal.Children {
		if p := c.Props.Get(ical.PropUID); p != nil {
			return p.Value
		}
	}
	return ""
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
func at(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC)
}

// expandQuery is a calendar-query for VEVENTs in [start, end) asking the
// server to expand recurrences (RFC 4791 §7.8.3, §9.6.5).
func expandQuery(start, end string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>
    <D:getetag/>
    <C:calendar-data><C:expand start="` + start + `" end="` + end + `"/></C:calendar-data>
  </D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT"><C:time-range start="` + start + `" end="` + end + `"/></C:comp-filter>
    </C:comp-filter>
  </C:filter>
</C:calendar-query>`
}

// checkExpanded checks expanded calendar data (RFC 4791 §9.6.5): one VEVENT
// per instance in the range, each without RRULE/RDATE/EXDATE, with a
// RECURRENCE-ID when the object recurs, with times in UTC.
func checkExpanded(t *testing.T, name, data string, want []string) {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(data)).Decode()
	if err != nil {
		t.Errorf("expand %s: calendar-data does not parse: %v\n%s", name, err, data)
		return
	}
	var got []string
	for _, ev := range cal.Events() {
		for _, p := range []string{ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates} {
			if ev.Props.Get(p) != nil {
				t.Errorf("expand %s: an expanded instance still has %s\n%s", name, p, data)
			}
		}
		if len(want) > 1 && ev.Props.Get(ical.PropRecurrenceID) == nil {
			t.Errorf("expand %s: an instance of a recurring event has no RECURRENCE-ID\n%s", name, data)
		}
		start := ev.Props.Get(ical.PropDateTimeStart)
		if start == nil {
			t.Errorf("expand %s: an instance has no DTSTART", name)
			continue
		}
		got = append(got, start.Value)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("expand %s: instance DTSTARTs %v, want %v", name, got, want)
	}
}

// syncQuery is a sync-collection REPORT body (RFC 6578 §3.2). An empty
// token asks for the initial sync.
func syncQuery(token string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token>` + token + `</D:sync-token>
  <D:sync-level>1</D:sync-level>
  <D:prop><D:getetag/></D:prop>
</D:sync-collection>`
}

// testSyncCollection checks the initial and incremental sync of a calendar
// holding exactly the files of etags, then changes it (one created, one
// updated, one deleted) and checks that the next sync reports exactly that.
func testSyncCollection(t *testing.T, srv *server, user, calPath string, etags map[string]string) {
	ms := decodeMultistatus(t, srv.report(t, user, calPath, "0", syncQuery("")))
	if ms.SyncToken == "" {
		t.Fatal("initial sync: no DAV:sync-token in the multistatus (RFC 6578 §3.2)")
	}
	for f, etag := range etags {
		r := ms.byHref(calPath + f)
		if r == nil {
			t.Errorf("initial sync: %s missing (got %v)", f, ms.hrefs())
			continue
		}
		if got := strings.Trim(wantProp(t, r, davName("getetag")).Text, `"`); got != etag {
			t.Errorf("initial sync: %s getetag %q, want %q", f, got, etag)
		}
	}
	if len(ms.Responses) != len(etags) {
		t.Errorf("initial sync: %d members %v, want %d", len(ms.Responses), ms.hrefs(), len(etags))
	}
	token1 := ms.SyncToken

	// Nothing changed: nothing to report, and the same or an equivalent token.
	ms = decodeMultistatus(t, srv.report(t, user, calPath, "0", syncQuery(token1)))
	if len(ms.Responses) != 0 {
		t.Errorf("sync without changes reported %v", ms.hrefs())
	}

	srv.putICS(t, user, calPath+"sync-new.ics", icsEvent("sync-new@kalends.test", "DTSTART:20260320T100000Z", "DTEND:20260320T110000Z"),
		map[string]string{"If-None-Match": "*"}).expect(t, http.StatusCreated)
	single := strings.Replace(crlf(readTestdata(t, "single.ics")), "SUMMARY:Single event", "SUMMARY:Single event, renamed", 1)
	srv.putICS(t, user, calPath+"single.ics", single, map[string]string{"If-Match": `"` + etags["single.ics"] + `"`}).expect(t, http.StatusNoContent)
	srv.do(t, request{method: http.MethodDelete, path: calPath + "recurring.ics", user: user}).expect(t, http.StatusNoContent)

	ms = decodeMultistatus(t, srv.report(t, user, calPath, "0", syncQuery(token1)))
	if ms.SyncToken == "" || ms.SyncToken == token1 {
		t.Errorf("incremental sync: token %q, want a new one (old %q)", ms.SyncToken, token1)
	}
	for _, f := range []string{"sync-new.ics", "single.ics"} {
		r := ms.byHref(calPath + f)
		if r == nil {
			t.Errorf("incremental sync: changed %s not reported (got %v)", f, ms.hrefs())
			continue
		}
		wantProp(t, r, davName("getetag"))
	}
	// RFC 6578 §3.5.2: a removed member is a response with status 404 and
	// no propstat.
	if r := ms.byHref(calPath + "recurring.ics"); r == nil {
		t.Errorf("incremental sync: deleted recurring.ics not reported (got %v)", ms.hrefs())
	} else if statusCode(r.Status) != http.StatusNotFound || len(r.Propstats) != 0 {
		t.Errorf("incremental sync: deleted member has status %q and %d propstats, want 404 and none", r.Status, len(r.Propstats))
	}
	if r := ms.byHref(calPath + "override.ics"); r != nil {
		t.Errorf("incremental sync: unchanged override.ics reported")
	}
	token2 := ms.SyncToken

	ms = decodeMultistatus(t, srv.report(t, user, calPath, "0", syncQuery(token2)))
	if len(ms.Responses) != 0 {
		t.Errorf("sync from the latest token reported %v, want nothing", ms.hrefs())
	}

	// RFC 6578 §3.2: an unknown token is 403 with DAV:valid-sync-token so
	// that the client starts over.
	bad := srv.report(t, user, calPath, "0", syncQuery("http://kalends.invalid/sync/999999"))
	wantCondition(t, bad, http.StatusForbidden, davName("valid-sync-token"))
}
