package caldav

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

var litmusProp = xml.Name{Space: "http://example.com/neon/litmus/", Local: "prop"}

func TestFilePropfind(t *testing.T) {
	ts := newTestServer(t)
	ts.put("alice", cal+"e.ics", event("e", "20260301T100000Z", "E"))
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	ts.must(http.StatusCreated, "alice", "MKCOL", dir+"sub/", "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"a.txt", "hello", "Content-Type", "text/plain")

	// The calendar lists its plain collections among its objects.
	_, body := ts.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, propfindBody("D:resourcetype", "D:getetag"), "Depth", "1")
	ms := parseMultistatus(t, body)
	if len(ms.Responses) != 3 || ms.response(cal+"e.ics") == nil {
		t.Fatalf("calendar Depth 1: %s", body)
	}
	if r := ms.response(dir); r == nil {
		t.Fatalf("plain collection not listed: %s", body)
	} else if _, v, _ := r.prop(dx.DAVName("resourcetype")); !strings.Contains(v, "collection") || strings.Contains(v, "calendar") {
		t.Fatalf("plain collection resourcetype %q", v)
	}
	// A plain collection lists its members, with their live properties.
	_, body = ts.must(http.StatusMultiStatus, "alice", "PROPFIND", dir,
		propfindBody("D:resourcetype", "D:getetag", "D:getcontenttype", "D:getcontentlength", "D:getlastmodified", "D:creationdate"), "Depth", "1")
	ms = parseMultistatus(t, body)
	if len(ms.Responses) != 3 {
		t.Fatalf("collection Depth 1: %s", body)
	}
	r := ms.response(dir + "a.txt")
	for name, want := range map[string]string{"getcontenttype": "text/plain", "getcontentlength": "5"} {
		if st, v, _ := r.prop(dx.DAVName(name)); v != want || !strings.Contains(st, "200") {
			t.Errorf("%s = %q %q, want %q", name, st, v, want)
		}
	}
	for _, name := range []string{"getetag", "getlastmodified", "creationdate"} {
		if _, v, _ := r.prop(dx.DAVName(name)); v == "" {
			t.Errorf("%s missing: %s", name, body)
		}
	}
	if st, _, _ := ms.response(dir + "sub/").prop(dx.DAVName("getetag")); !strings.Contains(st, "404") {
		t.Errorf("a collection's getetag: %q", st)
	}
	// allprop and propname answer too; Depth infinity stays refused.
	ts.must(http.StatusMultiStatus, "alice", "PROPFIND", dir+"a.txt", `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, "Depth", "0")
	ts.must(http.StatusMultiStatus, "alice", "PROPFIND", dir, `<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>`, "Depth", "0")
	ts.must(http.StatusForbidden, "alice", "PROPFIND", dir, "", "Depth", "infinity")
	ts.must(http.StatusNotFound, "alice", "PROPFIND", dir+"nope", "", "Depth", "0")
}

func TestFileProppatch(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"a.txt", "hello")
	get := func() (string, string) {
		_, body := ts.must(http.StatusMultiStatus, "alice", "PROPFIND", dir+"a.txt",
			`<D:propfind xmlns:D="DAV:" xmlns:L="http://example.com/neon/litmus/"><D:prop><L:prop/></D:prop></D:propfind>`, "Depth", "0")
		st, v, _ := parseMultistatus(t, body).response(dir + "a.txt").prop(litmusProp)
		return st, v
	}
	set := `<D:set><D:prop><L:prop xmlns:L="http://example.com/neon/litmus/">ünïcødé 𐀀</L:prop></D:prop></D:set>`
	remove := `<D:remove><D:prop><L:prop xmlns:L="http://example.com/neon/litmus/"/></D:prop></D:remove>`
	ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", dir+"a.txt", proppatchBody(set))
	if st, v := get(); v != "ünïcødé 𐀀" || !strings.Contains(st, "200") {
		t.Fatalf("after set: %q %q", st, v)
	}
	// RFC 4918 §9.2: document order; the last instruction on a name wins.
	ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", dir+"a.txt", proppatchBody(set+remove))
	if st, _ := get(); !strings.Contains(st, "404") {
		t.Fatalf("set then remove left the property: %q", st)
	}
	ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", dir+"a.txt", proppatchBody(remove+set))
	if _, v := get(); v != "ünïcødé 𐀀" {
		t.Fatalf("remove then set: %q", v)
	}
	// A protected property fails the whole request: 403 for it, 424 for the rest.
	_, body := ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", dir+"a.txt",
		proppatchBody(remove+`<D:set><D:prop><D:getetag>"x"</D:getetag></D:prop></D:set>`))
	if !strings.Contains(body, "403") || !strings.Contains(body, "424") {
		t.Fatalf("protected PROPPATCH: %s", body)
	}
	if _, v := get(); v == "" {
		t.Fatal("a failed PROPPATCH removed a property")
	}
	// Properties go with their resource, and not to a new namesake.
	ts.must(http.StatusCreated, "alice", "MOVE", dir+"a.txt", "", "Destination", dir+"b.txt")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"a.txt", "again")
	if st, _ := get(); !strings.Contains(st, "404") {
		t.Fatalf("a new resource inherited a property: %q", st)
	}
	ts.must(http.StatusBadRequest, "alice", "PROPPATCH", dir+"a.txt", "<D:propertyupdate")
	ts.must(http.StatusNotFound, "alice", "PROPPATCH", dir+"nope", proppatchBody(set))
}

func TestFileCopyMove(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	ts.must(http.StatusCreated, "alice", "MKCOL", dir+"c/", "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"c/f", "f")
	dest := func(p string) []string { return []string{"Destination", ts.srv.URL + p} }

	ts.must(http.StatusCreated, "alice", "COPY", dir+"c/f", "", dest(dir+"g")...)
	ts.must(http.StatusPreconditionFailed, "alice", "COPY", dir+"c/f", "", append(dest(dir+"g"), "Overwrite", "F")...)
	ts.must(http.StatusNoContent, "alice", "COPY", dir+"c/f", "", dest(dir+"g")...)
	ts.must(http.StatusConflict, "alice", "COPY", dir+"c/f", "", dest(dir+"none/g")...)
	// Onto or into itself: 403 (RFC 4918 §9.8.5).
	ts.must(http.StatusForbidden, "alice", "COPY", dir+"c/f", "", dest(dir+"c/f")...)
	ts.must(http.StatusForbidden, "alice", "MOVE", dir+"c/", "", dest(dir+"c/inner/")...)
	ts.must(http.StatusForbidden, "alice", "MOVE", dir+"c/", "", dest(dir)...)
	// Depth: 0 or infinity for COPY of a collection, only infinity for MOVE.
	ts.must(http.StatusBadRequest, "alice", "COPY", dir+"c/", "", append(dest(dir+"d/"), "Depth", "1")...)
	ts.must(http.StatusBadRequest, "alice", "MOVE", dir+"c/", "", append(dest(dir+"d/"), "Depth", "0")...)
	ts.must(http.StatusCreated, "alice", "COPY", dir+"c/", "", append(dest(dir+"d/"), "Depth", "0")...)
	ts.must(http.StatusNotFound, "alice", "GET", dir+"d/f", "")
	ts.must(http.StatusNoContent, "alice", "COPY", dir+"c/", "", dest(dir+"d/")...)
	ts.must(http.StatusOK, "alice", "GET", dir+"d/f", "")
	ts.must(http.StatusCreated, "alice", "MOVE", dir+"d/", "", dest(cal+"moved/")...)
	ts.must(http.StatusOK, "alice", "GET", cal+"moved/f", "")
	ts.must(http.StatusNotFound, "alice", "GET", dir+"d/f", "")
	// Elsewhere: not as a calendar object, not in another calendar or server.
	_, body := ts.must(http.StatusForbidden, "alice", "COPY", dir+"c/f", "", dest(cal+"f.ics")...)
	if c := errorCondition(t, body); c != condCollectionLocationOK {
		t.Errorf("copy to the top level: condition %v", c)
	}
	ts.must(http.StatusForbidden, "alice", "COPY", dir+"c/f", "", dest("/dav/calendars/users/alice/tasks/files/f")...)
	ts.must(http.StatusBadGateway, "alice", "COPY", dir+"c/f", "", "Destination", "http://elsewhere.example/x")
	ts.must(http.StatusBadRequest, "alice", "COPY", dir+"c/f", "")
	ts.must(http.StatusNotFound, "alice", "COPY", dir+"nope", "", dest(dir+"x")...)
}

// TestFilesDoNotDisturbCalendarData: reports, sync and the collection GET
// see calendar objects only.
func TestFilesDoNotDisturbCalendarData(t *testing.T) {
	ts := newTestServer(t)
	ts.put("alice", cal+"e.ics", event("e", "20260301T100000Z", "E"))
	_, body := ts.must(http.StatusMultiStatus, "alice", "REPORT", cal, syncBody("", 0), "Depth", "1")
	token := parseMultistatus(t, body).SyncToken
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"x.ics", event("x", "20260301T100000Z", "X"), "Content-Type", "text/calendar")

	_, body = ts.must(http.StatusMultiStatus, "alice", "REPORT", cal, syncBody(token, 0))
	if ms := parseMultistatus(t, body); len(ms.Responses) != 0 || ms.SyncToken != token {
		t.Fatalf("files showed up in sync: %s", body)
	}
	query := `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>` +
		`<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`
	_, body = ts.must(http.StatusMultiStatus, "alice", "REPORT", cal, query, "Depth", "1")
	if ms := parseMultistatus(t, body); len(ms.Responses) != 1 || ms.response(cal+"e.ics") == nil {
		t.Fatalf("calendar-query: %s", body)
	}
	ts.must(http.StatusForbidden, "alice", "REPORT", dir, query, "Depth", "1")
	_, body = ts.must(http.StatusOK, "alice", "GET", cal, "")
	if strings.Contains(body, "UID:x") {
		t.Fatal("a file leaked into the calendar's GET")
	}
	// A calendar object keeps working beside a collection, and its name
	// cannot be taken by one (nor the reverse).
	ts.must(http.StatusNoContent, "alice", "PUT", cal+"e.ics", event("e", "20260301T100000Z", "E2"))
	ts.must(http.StatusMethodNotAllowed, "alice", "PUT", cal+"files", event("f", "20260301T100000Z", "F"), "Content-Type", "text/calendar")
	// Deleting the calendar takes its files along.
	ts.must(http.StatusNoContent, "alice", "DELETE", cal, "")
	ts.must(http.StatusCreated, "alice", "MKCALENDAR", cal, "")
	ts.must(http.StatusNotFound, "alice", "GET", dir+"x.ics", "")
}
