package caldav

import (
	"fmt"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

const home = "/dav/calendars/users/alice/"

// homeSyncBody is a sync-collection on a home as Apple Calendar sends it,
// at a sync-level ("" leaves the element out) with an optional limit.
func homeSyncBody(token, level string, limit int) string {
	l := ""
	if level != "" {
		l = "<D:sync-level>" + level + "</D:sync-level>"
	}
	if limit > 0 {
		l += fmt.Sprintf("<D:limit><D:nresults>%d</D:nresults></D:limit>", limit)
	}
	return `<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:sync-token>` +
		token + `</D:sync-token>` + l + `<D:prop><CS:getctag/><D:sync-token/><D:displayname/><D:getetag/></D:prop></D:sync-collection>`
}

// homeSync runs a home sync-collection and returns its multistatus.
func (ts *testServer) homeSync(token, level string) *multistatus {
	ts.t.Helper()
	_, body := ts.must(207, "alice", "REPORT", home, homeSyncBody(token, level, 0), "Depth", "1")
	return parseMultistatus(ts.t, body)
}

// statuses lists the decoded hrefs of a multistatus with their status ("200"
// for a response with propstats, else the response's status code).
func (ms *multistatus) statuses() map[string]string {
	out := map[string]string{}
	for _, r := range ms.Responses {
		p, _ := dx.DecodeHref(r.Href[0])
		st := "200"
		if r.Status != "" {
			st = strings.Fields(r.Status)[1]
		}
		out[p] = st
	}
	return out
}

func wantStatuses(t *testing.T, what string, ms *multistatus, want map[string]string) {
	t.Helper()
	got := ms.statuses()
	if len(got) != len(want) {
		t.Fatalf("%s: responses %v, want %v", what, got, want)
	}
	for h, st := range want {
		if got[h] != st {
			t.Fatalf("%s: responses %v, want %v", what, got, want)
		}
	}
}

// homeProp reads one property of the home by PROPFIND Depth 0.
func (ts *testServer) homeProp(name string) string {
	ts.t.Helper()
	_, body := ts.must(207, "alice", "PROPFIND", home, `<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><`+
		name+`/></D:prop></D:propfind>`, "Depth", "0")
	r := parseMultistatus(ts.t, body).response(home)
	n := dx.DAVName(strings.TrimPrefix(name, "D:"))
	if strings.HasPrefix(name, "CS:") {
		n = dx.CSName(strings.TrimPrefix(name, "CS:"))
	}
	st, v, ok := r.prop(n)
	if !ok || !strings.Contains(st, "200") || v == "" {
		ts.t.Fatalf("home %s: %q %q\n%s", name, st, v, body)
	}
	return v
}

// TestHomeSyncIncremental: RFC 6578 §3.3 on a calendar home at sync-level
// 1: a token from before any number of changes keeps working and reports
// the collections created, changed (PROPPATCH, or a change of their
// members, which changes their getctag) and deleted since.
func TestHomeSyncIncremental(t *testing.T) {
	ts := newTestServer(t)
	ms := ts.homeSync("", "1")
	first := ms.SyncToken
	for _, c := range []string{"calendar/", "tasks/"} {
		if ms.response(home+c) == nil {
			t.Fatalf("initial home sync lacks %s: %v", c, ms.statuses())
		}
	}
	wantStatuses(t, "no change", ts.homeSync(first, "1"), nil)

	// A member written: its collection is reported with its new getctag.
	ts.put("alice", cal+"x.ics", event("x", "20260301T100000Z", "X"))
	ms = ts.homeSync(first, "1")
	wantStatuses(t, "after a PUT", ms, map[string]string{cal: "200"})
	if _, ctag, _ := ms.response(cal).prop(dx.CSName("getctag")); ctag == "" {
		t.Fatalf("changed collection without its getctag: %v", ms)
	}
	afterPut := ms.SyncToken
	if afterPut == first {
		t.Fatal("the home's sync token did not change with a write below it")
	}

	if tok := ts.homeProp("D:sync-token"); tok != afterPut {
		t.Fatalf("the home's sync-token property %q is not the REPORT's %q", tok, afterPut)
	}

	// A PROPPATCH of a collection.
	ctag := ts.homeProp("CS:getctag")
	ts.must(207, "alice", "PROPPATCH", home+"tasks/", `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>
		<D:displayname>Chores</D:displayname></D:prop></D:set></D:propertyupdate>`)
	ms = ts.homeSync(afterPut, "1")
	wantStatuses(t, "after a PROPPATCH", ms, map[string]string{home + "tasks/": "200"})
	if _, name, _ := ms.response(home + "tasks/").prop(dx.DAVName("displayname")); name != "Chores" {
		t.Fatalf("PROPPATCHed collection reported with displayname %q", name)
	}
	if ts.homeProp("CS:getctag") == ctag {
		t.Fatal("the home's getctag did not change with a PROPPATCH of a collection")
	}

	// A collection created, another created and deleted.
	ts.must(201, "alice", "MKCALENDAR", home+"work/", "")
	ts.must(201, "alice", "MKCALENDAR", home+"gone/", "")
	ts.must(204, "alice", "DELETE", home+"gone/", "")
	wantStatuses(t, "after MKCALENDAR and DELETE", ts.homeSync(ms.SyncToken, "1"),
		map[string]string{home + "work/": "200", home + "gone/": "404"})

	// The first token still works and reports the latest state of each.
	wantStatuses(t, "from the first token", ts.homeSync(first, "1"), map[string]string{
		cal: "200", home + "tasks/": "200", home + "work/": "200", home + "gone/": "404"})
	// Apple's older requests have no sync-level: it means 1.
	wantStatuses(t, "without sync-level", ts.homeSync(afterPut, ""), map[string]string{
		home + "tasks/": "200", home + "work/": "200", home + "gone/": "404"})
}

// TestHomeSyncInfinite: at sync-level infinite the home's sync also
// reports the objects of its collections; a deleted collection is
// reported alone.
func TestHomeSyncInfinite(t *testing.T) {
	ts := newTestServer(t)
	ts.put("alice", cal+"a.ics", event("a", "20260301T100000Z", "A"))
	ts.put("alice", cal+"b.ics", event("b", "20260301T100000Z", "B"))
	ts.must(201, "alice", "MKCALENDAR", home+"work/", "")
	ts.put("alice", home+"work/w.ics", event("w", "20260301T100000Z", "W"))
	ms := ts.homeSync("", "infinite")
	for _, h := range []string{cal, cal + "a.ics", cal + "b.ics", home + "work/", home + "work/w.ics"} {
		if ms.statuses()[h] != "200" {
			t.Fatalf("initial deep home sync lacks %s: %v", h, ms.statuses())
		}
	}
	if _, etag, _ := ms.response(cal + "a.ics").prop(dx.DAVName("getetag")); etag == "" {
		t.Fatal("object reported without its getetag")
	}
	tok := ms.SyncToken

	ts.must(204, "alice", "PUT", cal+"a.ics", event("a", "20260301T100000Z", "A2"))
	ts.must(204, "alice", "DELETE", cal+"b.ics", "")
	ts.put("alice", home+"tasks/t.ics", strings.ReplaceAll(event("t", "20260301T100000Z", "T"), "VEVENT", "VTODO"))
	ts.must(204, "alice", "DELETE", home+"work/", "")
	ms = ts.homeSync(tok, "infinite")
	wantStatuses(t, "deep sync", ms, map[string]string{cal: "200", cal + "a.ics": "200", cal + "b.ics": "404",
		home + "tasks/": "200", home + "tasks/t.ics": "200", home + "work/": "404"})
	// The same changes at sync-level 1: the collections only.
	wantStatuses(t, "sync-level 1", ts.homeSync(tok, "1"), map[string]string{cal: "200", home + "tasks/": "200", home + "work/": "404"})
}

// TestHomeSyncLimitAndBadTokens: a home sync pages with DAV:limit (RFC
// 6578 §3.6) and refuses tokens that are not this home's.
func TestHomeSyncLimitAndBadTokens(t *testing.T) {
	ts := newTestServer(t)
	tok := ts.homeSync("", "1").SyncToken
	for i := 0; i < 4; i++ {
		ts.put("alice", fmt.Sprintf("%se%d.ics", cal, i), event(fmt.Sprintf("e%d", i), "20260301T100000Z", "E"))
	}
	seen := map[string]bool{}
	for round := 0; ; round++ {
		_, body := ts.must(207, "alice", "REPORT", home, homeSyncBody(tok, "infinite", 2))
		ms := parseMultistatus(t, body)
		truncated := false
		for h, st := range ms.statuses() {
			if h == home && st == "507" {
				truncated = true
				continue
			}
			seen[h] = true
		}
		tok = ms.SyncToken
		if !truncated {
			break
		}
		if round > 6 {
			t.Fatal("paging a home sync does not end")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paging with limit 2 saw %v, want the calendar and its 4 objects", seen)
	}

	_, body := ts.must(207, "alice", "REPORT", cal, syncBody("", 0))
	calendarToken := parseMultistatus(t, body).SyncToken
	_, body = ts.must(207, "bob", "REPORT", "/dav/calendars/users/bob/", homeSyncBody("", "1", 0))
	bobToken := parseMultistatus(t, body).SyncToken
	future := strings.TrimSuffix(tok, tok[strings.LastIndex(tok, ":")+1:]) + "999999"
	for _, bad := range []string{calendarToken, bobToken, future, "urn:kalends:home-sync:1:abc", "garbage"} {
		_, body := ts.must(403, "alice", "REPORT", home, homeSyncBody(bad, "1", 0))
		if errorCondition(t, body) != condValidSyncToken {
			t.Fatalf("token %q: %s", bad, body)
		}
	}
	// A home token is not a calendar's either.
	ts.must(403, "alice", "REPORT", cal, syncBody(tok, 0))
}
