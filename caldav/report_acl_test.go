package caldav

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
)

// TestPrincipalMatch: DAV:principal-match (RFC 3744 §9.3) with DAV:self
// finds the user's principal and the proxy groups they belong to; with
// DAV:principal-property DAV:owner, the user's home and its collections.
func TestPrincipalMatch(t *testing.T) {
	ts := newTestServer(t)
	if err := ts.store.SetDelegate(context.Background(), backend.Delegation{PrincipalID: ts.users["bob"].ID,
		DelegateID: ts.users["alice"].ID, Write: true}); err != nil {
		t.Fatal(err)
	}
	_, body := ts.must(207, "alice", "REPORT", "/dav/principals/",
		`<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>`, "Depth", "0")
	want := []string{"/dav/principals/users/alice/", "/dav/principals/users/bob/calendar-proxy-write/"}
	if got := parseMultistatus(t, body).hrefs(t); !slices.Equal(got, want) {
		t.Fatalf("principal-match self = %v, want %v\n%s", got, want, body)
	}
	_, body = ts.must(207, "alice", "REPORT", "/dav/calendars/users/alice/",
		`<D:principal-match xmlns:D="DAV:"><D:principal-property><D:owner/></D:principal-property></D:principal-match>`, "Depth", "0")
	got := parseMultistatus(t, body).hrefs(t)
	if !slices.Contains(got, "/dav/calendars/users/alice/") || !slices.Contains(got, cal) {
		t.Fatalf("principal-match on owner = %v", got)
	}
	_, body = ts.must(207, "bob", "REPORT", "/dav/principals/users/",
		`<D:principal-match xmlns:D="DAV:"><D:self/></D:principal-match>`, "Depth", "0")
	if got := parseMultistatus(t, body).hrefs(t); !slices.Equal(got, []string{"/dav/principals/users/bob/"}) {
		t.Fatalf("principal-match self for bob = %v", got)
	}
}

// TestACLPrincipalPropSet: DAV:acl-principal-prop-set (RFC 3744 §9.2)
// answers the owner and the owner's two proxy groups, to those with
// DAV:read-acl only.
func TestACLPrincipalPropSet(t *testing.T) {
	ts := newTestServer(t)
	body := `<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>`
	_, b := ts.must(207, "alice", "REPORT", cal, body, "Depth", "0")
	ms := parseMultistatus(t, b)
	want := []string{"/dav/principals/users/alice/", "/dav/principals/users/alice/calendar-proxy-read/",
		"/dav/principals/users/alice/calendar-proxy-write/"}
	if got := ms.hrefs(t); !slices.Equal(got, want) || !strings.Contains(b, "displayname") {
		t.Fatalf("acl-principal-prop-set = %v\n%s", got, b)
	}
	ts.must(403, "bob", "REPORT", cal, body, "Depth", "0")
}

// TestRFC3744ReportDepth: the RFC 3744 reports are defined only with
// Depth: 0 (400 otherwise), except the named Thunderbird tolerance of
// Depth: 1 on principal-property-search; both new reports are advertised.
func TestRFC3744ReportDepth(t *testing.T) {
	ts := newTestServer(t)
	bodies := map[string]string{
		"principal-match":               `<D:principal-match xmlns:D="DAV:"><D:self/></D:principal-match>`,
		"acl-principal-prop-set":        `<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>`,
		"principal-search-property-set": `<D:principal-search-property-set xmlns:D="DAV:"/>`,
		"principal-property-search": `<D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/></D:prop>` +
			`<D:match>bob</D:match></D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>`,
	}
	for name, body := range bodies {
		path := "/dav/principals/"
		if name == "acl-principal-prop-set" {
			path = cal
		}
		ts.must(400, "alice", "REPORT", path, body, "Depth", "infinity")
		if name == "principal-property-search" {
			ts.must(207, "alice", "REPORT", path, body, "Depth", "1")
			continue
		}
		ts.must(400, "alice", "REPORT", path, body, "Depth", "1")
		resp, b := ts.do("alice", "REPORT", path, body)
		if resp.StatusCode >= 300 {
			t.Errorf("%s without Depth: %d %s", name, resp.StatusCode, b)
		}
	}
	_, b := ts.must(207, "alice", "PROPFIND", cal, `<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/></D:prop></D:propfind>`, "Depth", "0")
	for _, r := range []string{"principal-match", "acl-principal-prop-set"} {
		if !strings.Contains(b, "<D:"+r+"/>") {
			t.Errorf("supported-report-set lacks %s:\n%s", r, b)
		}
	}
}
