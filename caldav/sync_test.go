package caldav

import (
	"fmt"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func syncBody(token string, limit int) string {
	l := ""
	if limit > 0 {
		l = fmt.Sprintf("<D:limit><D:nresults>%d</D:nresults></D:limit>", limit)
	}
	return `<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>` + token +
		`</D:sync-token><D:sync-level>1</D:sync-level>` + l + `<D:prop><D:getetag/></D:prop></D:sync-collection>`
}

func TestSyncCollection(t *testing.T) {
	ts := newTestServer(t)
	for i := 0; i < 3; i++ {
		ts.put("alice", fmt.Sprintf("%se%d.ics", cal, i), event(fmt.Sprintf("e%d", i), "20260301T100000Z", "E"))
	}
	_, body := ts.must(207, "alice", "REPORT", cal, syncBody("", 0), "Depth", "1")
	ms := parseMultistatus(t, body)
	if len(ms.Responses) != 3 || ms.SyncToken == "" {
		t.Fatalf("initial sync: %d responses, token %q\n%s", len(ms.Responses), ms.SyncToken, body)
	}
	tok := ms.SyncToken
	// No changes: nothing, same token.
	_, body = ts.must(207, "alice", "REPORT", cal, syncBody(tok, 0))
	if ms = parseMultistatus(t, body); len(ms.Responses) != 0 || ms.SyncToken != tok {
		t.Fatalf("sync without changes: %s", body)
	}
	// An update, a deletion and a new object.
	ts.must(204, "alice", "PUT", cal+"e0.ics", event("e0", "20260301T100000Z", "Changed"))
	ts.must(204, "alice", "DELETE", cal+"e1.ics", "")
	ts.put("alice", cal+"e3.ics", event("e3", "20260301T100000Z", "New"))
	_, body = ts.must(207, "alice", "REPORT", cal, syncBody(tok, 0))
	ms = parseMultistatus(t, body)
	if len(ms.Responses) != 3 {
		t.Fatalf("incremental sync: %s", body)
	}
	if r := ms.response(cal + "e1.ics"); r == nil || !strings.Contains(r.Status, "404") {
		t.Fatalf("deleted member not reported as 404: %s", body)
	}
	for _, p := range []string{"e0.ics", "e3.ics"} {
		r := ms.response(cal + p)
		if r == nil {
			t.Fatalf("%s missing from the sync: %s", p, body)
		}
		if st, etag, ok := r.prop(dx.DAVName("getetag")); !ok || !strings.Contains(st, "200") || etag == "" {
			t.Fatalf("%s: getetag %q %q", p, st, etag)
		}
	}
	// The initial sync does not list deleted members.
	_, body = ts.must(207, "alice", "REPORT", cal, syncBody("", 0))
	if ms = parseMultistatus(t, body); len(ms.Responses) != 3 || ms.response(cal+"e1.ics") != nil {
		t.Fatalf("initial sync after a deletion: %s", body)
	}
}

func TestSyncCollectionLimitAndBadToken(t *testing.T) {
	ts := newTestServer(t)
	for i := 0; i < 5; i++ {
		ts.put("alice", fmt.Sprintf("%se%d.ics", cal, i), event(fmt.Sprintf("e%d", i), "20260301T100000Z", "E"))
	}
	seen := map[string]bool{}
	tok := ""
	for round := 0; round < 5; round++ {
		_, body := ts.must(207, "alice", "REPORT", cal, syncBody(tok, 2))
		ms := parseMultistatus(t, body)
		truncated := false
		for _, r := range ms.Responses {
			if r.Href[0] == cal && strings.Contains(r.Status, "507") {
				truncated = true
				continue
			}
			seen[r.Href[0]] = true
		}
		tok = ms.SyncToken
		if !truncated {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paging with limit 2 saw %d members: %v", len(seen), seen)
	}
	for _, bad := range []string{"urn:kalends:sync:1:999", "urn:kalends:sync:999:1", "http://example.com/other", "garbage"} {
		_, body := ts.must(403, "alice", "REPORT", cal, syncBody(bad, 0))
		if errorCondition(t, body) != condValidSyncToken {
			t.Fatalf("token %q: %s", bad, body)
		}
	}
	// A token of another calendar is not valid here.
	_, body := ts.must(207, "alice", "REPORT", "/dav/calendars/users/alice/tasks/", syncBody("", 0))
	other := parseMultistatus(t, body).SyncToken
	ts.must(403, "alice", "REPORT", cal, syncBody(other, 0))
	// Unknown reports and malformed bodies.
	_, body = ts.must(403, "alice", "REPORT", cal, `<x:frobnicate xmlns:x="urn:x"/>`)
	if errorCondition(t, body) != condSupportedReport {
		t.Fatalf("unknown report: %s", body)
	}
	ts.must(400, "alice", "REPORT", cal, `<D:sync-collection xmlns:D="DAV:">`)
	ts.must(400, "alice", "REPORT", cal, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag></D:prop>`)
}

func TestExpandPropertyProxies(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.must(207, "alice", "REPORT", "/dav/principals/users/alice/", `<?xml version="1.0"?>
<A:expand-property xmlns:A="DAV:"><A:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/">
 <A:property name="displayname" namespace="DAV:"/></A:property>
 <A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"/>
 <A:property name="principal-URL" namespace="DAV:"><A:property name="displayname" namespace="DAV:"/></A:property>
</A:expand-property>`, "Depth", "0")
	r := parseMultistatus(t, body).Responses[0]
	for _, n := range []string{"calendar-proxy-read-for", "calendar-proxy-write-for"} {
		if st, _, ok := r.prop(dx.CSName(n)); !ok || !strings.Contains(st, "200") {
			t.Fatalf("%s: %s", n, body)
		}
	}
	if _, inner, _ := r.prop(dx.DAVName("principal-URL")); !strings.Contains(inner, "response") || !strings.Contains(inner, "Alice") {
		t.Fatalf("principal-URL not expanded: %s", body)
	}
}
