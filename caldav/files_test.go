package caldav

import (
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// dir is a plain collection in alice's calendar collection.
const dir = cal + "files/"

func TestFileMkcol(t *testing.T) {
	ts := newTestServer(t)
	resp, _ := ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	if resp.Header.Get("Location") == "" {
		t.Error("MKCOL: no Location")
	}
	ts.must(http.StatusMethodNotAllowed, "alice", "MKCOL", dir, "")
	ts.must(http.StatusMethodNotAllowed, "alice", "MKCOL", strings.TrimSuffix(dir, "/"), "")
	ts.must(http.StatusCreated, "alice", "MKCOL", dir+"sub/", "")
	ts.must(http.StatusCreated, "alice", "MKCOL", cal+"noslash", "") // a collection all the same
	ts.must(http.StatusMultiStatus, "alice", "PROPFIND", cal+"noslash/", "", "Depth", "0")

	// RFC 4918 §9.3.1: 409 without a parent, 415 for a body it does not understand.
	ts.must(http.StatusConflict, "alice", "MKCOL", cal+"nope/deeper/", "")
	ts.must(http.StatusUnsupportedMediaType, "alice", "MKCOL", dir+"body/", "afafafaf", "Content-Type", "xzy-foo/bar-512")
	ts.must(http.StatusNotFound, "alice", "PROPFIND", dir+"body/", "", "Depth", "0")

	// Extended MKCOL (RFC 5689) of a plain collection sets dead properties;
	// a calendar inside a calendar stays forbidden (RFC 4791 §4.2).
	ext := `<?xml version="1.0"?><D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:resourcetype><D:collection/></D:resourcetype>` +
		`<D:displayname>Pièces jointes</D:displayname></D:prop></D:set></D:mkcol>`
	ts.must(http.StatusCreated, "alice", "MKCOL", dir+"ext/", ext, "Content-Type", "application/xml")
	_, body := ts.must(http.StatusMultiStatus, "alice", "PROPFIND", dir+"ext/", propfindBody("D:displayname", "D:resourcetype"), "Depth", "0")
	r := parseMultistatus(t, body).response(dir + "ext/")
	if _, v, _ := r.prop(dx.DAVName("displayname")); v != "Pièces jointes" {
		t.Errorf("displayname = %q\n%s", v, body)
	}
	if _, v, _ := r.prop(dx.DAVName("resourcetype")); !strings.Contains(v, "collection") {
		t.Errorf("resourcetype = %q", v)
	}
	calBody := `<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
		`<D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>`
	_, body = ts.must(http.StatusForbidden, "alice", "MKCOL", dir+"cal/", calBody, "Content-Type", "application/xml")
	if c := errorCondition(t, body); c != condCollectionLocationOK {
		t.Errorf("nested calendar: condition %v", c)
	}
	ts.must(http.StatusForbidden, "alice", "MKCALENDAR", dir+"cal2/", "")

	// A calendar object's name is taken.
	ts.put("alice", cal+"e.ics", event("e", "20260301T100000Z", "E"))
	ts.must(http.StatusMethodNotAllowed, "alice", "MKCOL", cal+"e.ics", "")
	ts.must(http.StatusMethodNotAllowed, "alice", "MKCOL", cal+"e.ics/", "")
}

func TestFilePutGetDelete(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusConflict, "alice", "PUT", dir+"a.txt", "hello")
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	resp, _ := ts.must(http.StatusCreated, "alice", "PUT", dir+"a.txt", "hello", "Content-Type", "text/plain")
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("PUT: no ETag")
	}
	resp, body := ts.must(http.StatusOK, "alice", "GET", dir+"a.txt", "")
	if body != "hello" || resp.Header.Get("ETag") != etag || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET: %q %v", body, resp.Header)
	}
	ts.must(http.StatusNotModified, "alice", "GET", dir+"a.txt", "", "If-None-Match", etag)
	resp, body = ts.must(http.StatusOK, "alice", "HEAD", dir+"a.txt", "")
	if body != "" || resp.Header.Get("ETag") != etag {
		t.Fatalf("HEAD: %q %v", body, resp.Header)
	}
	// Conditional writes (RFC 9110 §13.1).
	ts.must(http.StatusPreconditionFailed, "alice", "PUT", dir+"a.txt", "x", "If-None-Match", "*")
	ts.must(http.StatusPreconditionFailed, "alice", "PUT", dir+"a.txt", "x", "If-Match", `"stale"`)
	ts.must(http.StatusPreconditionFailed, "alice", "PUT", dir+"new.txt", "x", "If-Match", "*")
	ts.must(http.StatusNoContent, "alice", "PUT", dir+"a.txt", "bye", "If-Match", etag)
	ts.must(http.StatusPreconditionFailed, "alice", "DELETE", dir+"a.txt", "", "If-Match", etag)
	// Any media type, non-ASCII names, binary content.
	ts.must(http.StatusCreated, "alice", "PUT", dir+"r%C3%A9sum%C3%A9.bin", "\x00\xff\x01", "Content-Type", "application/x-thing")
	_, body = ts.must(http.StatusOK, "alice", "GET", dir+"r%C3%A9sum%C3%A9.bin", "")
	if body != "\x00\xff\x01" {
		t.Fatalf("binary GET = %q", body)
	}
	// Not here: a collection, a resource as parent, the top level.
	ts.must(http.StatusMethodNotAllowed, "alice", "PUT", strings.TrimSuffix(dir, "/"), "x")
	ts.must(http.StatusConflict, "alice", "PUT", dir+"a.txt/b", "x")
	ts.must(http.StatusConflict, "alice", "PUT", dir+"missing/b", "x")
	ts.must(http.StatusUnsupportedMediaType, "alice", "PUT", cal+"top.txt", "x", "Content-Type", "text/plain")
	// DELETE is recursive.
	ts.must(http.StatusCreated, "alice", "MKCOL", dir+"sub/", "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"sub/f", "f")
	ts.must(http.StatusNoContent, "alice", "DELETE", dir, "")
	ts.must(http.StatusNotFound, "alice", "GET", dir+"sub/f", "")
	ts.must(http.StatusNotFound, "alice", "DELETE", dir, "")
	ts.must(http.StatusNotFound, "alice", "DELETE", dir+"sub/f", "")
}

func TestFileOptions(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	resp, _ := ts.must(http.StatusOK, "alice", "OPTIONS", dir, "")
	if allow := resp.Header.Get("Allow"); strings.Contains(allow, "MKCALENDAR") || !strings.Contains(allow, "MKCOL") {
		t.Errorf("Allow = %q", allow)
	}
	if !strings.Contains(resp.Header.Get("DAV"), "1") {
		t.Errorf("DAV = %q", resp.Header.Get("DAV"))
	}
	ts.must(http.StatusMethodNotAllowed, "alice", "LOCK", dir, "")
}

// TestFileOtherUser: another user's file area is as closed as their
// calendars.
func TestFileOtherUser(t *testing.T) {
	ts := newTestServer(t)
	bob := "/dav/calendars/users/bob/calendar/"
	ts.must(http.StatusCreated, "bob", "MKCOL", bob+"files/", "")
	ts.must(http.StatusCreated, "bob", "PUT", bob+"files/f", "secret")
	ts.must(http.StatusCreated, "alice", "MKCOL", dir, "")
	ts.must(http.StatusCreated, "alice", "PUT", dir+"f", "mine")
	for _, m := range []string{"GET", "PUT", "DELETE", "MKCOL", "COPY", "MOVE"} {
		ts.must(http.StatusForbidden, "alice", m, bob+"files/f", "", "Destination", dir+"g")
	}
	ts.must(http.StatusForbidden, "alice", "PROPPATCH", bob+"files/f", proppatchBody(`<D:set><D:prop><x:a xmlns:x="urn:x">1</x:a></D:prop></D:set>`))
	ts.must(http.StatusForbidden, "alice", "PROPFIND", bob+"files/", "", "Depth", "1")
	ts.must(http.StatusForbidden, "alice", "COPY", dir+"f", "", "Destination", bob+"files/g")
	ts.must(http.StatusForbidden, "alice", "MOVE", dir+"f", "", "Destination", bob+"files/g")
	_, body := ts.must(http.StatusOK, "bob", "GET", bob+"files/f", "")
	if body != "secret" {
		t.Fatalf("bob's file = %q", body)
	}
}

// propfindBody asks for the named properties (prefix D: = DAV:).
func propfindBody(props ...string) string {
	return `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><` + strings.Join(props, "/><") + `/></D:prop></D:propfind>`
}

// proppatchBody wraps instructions in a DAV:propertyupdate.
func proppatchBody(instructions string) string {
	return `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:">` + instructions + `</D:propertyupdate>`
}
