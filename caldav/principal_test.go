package caldav

import (
	"context"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
)

func TestPrincipalPropertySearch(t *testing.T) {
	ts := newTestServer(t)
	room := &backend.Principal{Kind: backend.KindRoom, Name: "room-101", DisplayName: "Room 101", Emails: []string{"room101@example.com"}}
	if err := ts.store.CreatePrincipal(context.Background(), room, ""); err != nil {
		t.Fatal(err)
	}
	// Thunderbird: calendar-user-address-set contains the typed text.
	_, body := ts.must(207, "alice", "REPORT", "/dav/principals/", `<?xml version="1.0"?>
<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" test="anyof">
 <D:property-search><D:prop><C:calendar-user-address-set/></D:prop><D:match>BOB@</D:match></D:property-search>
 <D:property-search><D:prop><D:displayname/></D:prop><D:match>bob</D:match></D:property-search>
 <D:prop><D:displayname/><C:calendar-user-address-set/><C:calendar-user-type/></D:prop>
</D:principal-property-search>`, "Depth", "0")
	ms := parseMultistatus(t, body)
	if len(ms.Responses) != 1 || ms.response("/dav/principals/users/bob/") == nil || !strings.Contains(body, "mailto:bob@example.com") {
		t.Fatalf("search for bob: %s", body)
	}
	// allof with a non-matching second search finds nobody.
	_, body = ts.must(207, "alice", "REPORT", "/dav/principals/users/", `<D:principal-property-search xmlns:D="DAV:">
 <D:property-search><D:prop><D:displayname/></D:prop><D:match>bob</D:match></D:property-search>
 <D:property-search><D:prop><D:displayname/></D:prop><D:match>alice</D:match></D:property-search>
 <D:prop><D:displayname/></D:prop></D:principal-property-search>`, "Depth", "0")
	if len(parseMultistatus(t, body).Responses) != 0 {
		t.Fatalf("allof search: %s", body)
	}
	// Apple: location completion finds rooms only, with CUTYPE ROOM.
	_, body = ts.must(207, "alice", "REPORT", "/dav/principals/", `<?xml version="1.0"?>
<CS:calendarserver-principal-search xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav" context="location">
 <CS:search-token>room</CS:search-token><CS:limit><CS:nresults>10</CS:nresults></CS:limit>
 <D:prop><D:displayname/><C:calendar-user-type/><CS:record-type/><C:calendar-user-address-set/></D:prop>
</CS:calendarserver-principal-search>`, "Depth", "0")
	ms = parseMultistatus(t, body)
	if len(ms.Responses) != 1 || !strings.Contains(body, "ROOM") || !strings.Contains(body, "locations") {
		t.Fatalf("location search: %s", body)
	}
	_, body = ts.must(207, "alice", "REPORT", "/dav/principals/", `<CS:calendarserver-principal-search xmlns:D="DAV:"
		xmlns:CS="http://calendarserver.org/ns/" context="attendee"><CS:search-token>ali</CS:search-token>
		<D:prop><D:displayname/></D:prop></CS:calendarserver-principal-search>`, "Depth", "0")
	if ms = parseMultistatus(t, body); len(ms.Responses) != 1 || ms.response("/dav/principals/users/alice/") == nil {
		t.Fatalf("attendee search: %s", body)
	}
	_, body = ts.must(200, "alice", "REPORT", "/dav/principals/", `<D:principal-search-property-set xmlns:D="DAV:"/>`, "Depth", "0")
	if !strings.Contains(body, "principal-search-property-set") || !strings.Contains(body, "calendar-user-address-set") {
		t.Fatalf("principal-search-property-set: %s", body)
	}
}
