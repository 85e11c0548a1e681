package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// XML namespaces of the properties the tests ask for.
const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
	nsICal   = "http://apple.com/ns/ical/"
)

func davName(local string) xml.Name    { return xml.Name{Space: nsDAV, Local: local} }
func caldavName(local string) xml.Name { return xml.Name{Space: nsCalDAV, Local: local} }
func csName(local string) xml.Name     { return xml.Name{Space: nsCS, Local: local} }
func icalName(local string) xml.Name   { return xml.Name{Space: nsICal, Local: local} }

// response is a complete HTTP answer, body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	req    string // "METHOD path", for messages
}

func (r *response) String() string {
	return fmt.Sprintf("%s → %d\n%s", r.req, r.Status, r.Body)
}

// noRedirectClient does not follow redirects, so tests can assert them.
var noRedirectClient = &http.Client{
	Timeout: requestTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// request is one raw HTTP request. An empty user sends no credentials.
type request struct {
	method, path string
	user         string
	header       map[string]string
	body         string
}

// do sends a request and reads the whole answer, failing the test on a
// transport error.
func (s *server) do(t *testing.T, rq request) *response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	target := rq.path
	if !strings.HasPrefix(target, "http") {
		target = s.url(rq.path)
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, target, body)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	if rq.user != "" {
		req.SetBasicAuth(rq.user, s.users[rq.user])
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", rq.method, rq.path, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data, req: rq.method + " " + rq.path}
}

// expect fails the test unless the answer has status want.
func (r *response) expect(t *testing.T, want int) *response {
	t.Helper()
	if r.Status != want {
		t.Errorf("%s: status %d, want %d\nbody: %s", r.req, r.Status, want, r.Body)
	}
	return r
}

// propfind sends PROPFIND with the given Depth and body.
func (s *server) propfind(t *testing.T, user, path, depth, body string) *response {
	t.Helper()
	return s.do(t, request{method: "PROPFIND", path: path, user: user, body: body,
		header: map[string]string{"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}})
}

// report sends REPORT with the given Depth and body.
func (s *server) report(t *testing.T, user, path, depth, body string) *response {
	t.Helper()
	h := map[string]string{"Content-Type": "application/xml; charset=utf-8"}
	if depth != "" {
		h["Depth"] = depth
	}
	return s.do(t, request{method: "REPORT", path: path, user: user, body: body, header: h})
}

// putICS PUTs iCalendar data with optional extra headers (If-Match...).
func (s *server) putICS(t *testing.T, user, path, ics string, header map[string]string) *response {
	t.Helper()
	h := map[string]string{"Content-Type": "text/calendar; charset=utf-8"}
	for k, v := range header {
		h[k] = v
	}
	return s.do(t, request{method: http.MethodPut, path: path, user: user, body: ics, header: h})
}

// propfindBody builds a PROPFIND body asking for the named properties.
func propfindBody(names ...xml.Name) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<D:propfind xmlns:D="DAV:"><D:prop>`)
	for _, n := range names {
		fmt.Fprintf(&b, `<x:%s xmlns:x="%s"/>`, n.Local, n.Space)
	}
	b.WriteString(`</D:prop></D:propfind>`)
	return b.String()
}

// --- multistatus decoding (RFC 4918 §14.16) -------------------------------

// element is any XML element, kept whole: its name, attributes, text,
// children and raw inner XML.
type element struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []element  `xml:",any"`
	Inner    string     `xml:",innerxml"`
}

// child returns the first child named n, or nil.
func (e *element) child(n xml.Name) *element {
	for i := range e.Children {
		if e.Children[i].XMLName == n {
			return &e.Children[i]
		}
	}
	return nil
}

// hrefs returns the text of the DAV:href children.
func (e *element) hrefs() []string {
	var out []string
	for _, c := range e.Children {
		if c.XMLName == davName("href") {
			out = append(out, strings.TrimSpace(c.Text))
		}
	}
	return out
}

// attr returns the value of the attribute named local (any namespace).
func (e *element) attr(local string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

type multistatus struct {
	XMLName   xml.Name     `xml:"DAV: multistatus"`
	Responses []msResponse `xml:"DAV: response"`
	SyncToken string       `xml:"DAV: sync-token"`
}

type msResponse struct {
	Hrefs     []string   `xml:"DAV: href"`
	Status    string     `xml:"DAV: status"`
	Propstats []propstat `xml:"DAV: propstat"`
	Error     *element   `xml:"DAV: error"`
}

type propstat struct {
	Prop struct {
		Props []element `xml:",any"`
	} `xml:"DAV: prop"`
	Status string   `xml:"DAV: status"`
	Error  *element `xml:"DAV: error"`
}

// statusCode parses "HTTP/1.1 200 OK" into 200 (0 when malformed).
func statusCode(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// decodeMultistatus checks that r is a 207 with an XML multistatus body and
// decodes it.
func decodeMultistatus(t *testing.T, r *response) *multistatus {
	t.Helper()
	if r.Status != http.StatusMultiStatus {
		t.Fatalf("%s: status %d, want 207 Multi-Status\nbody: %s", r.req, r.Status, r.Body)
	}
	var ms multistatus
	if err := xml.Unmarshal(r.Body, &ms); err != nil {
		t.Fatalf("%s: the multistatus body is not well-formed: %v\n%s", r.req, err, r.Body)
	}
	return &ms
}

// href returns the response's single href, unescaped to a path.
func (r *msResponse) href() string {
	if len(r.Hrefs) == 0 {
		return ""
	}
	return hrefPath(r.Hrefs[0])
}

// hrefPath turns an href (absolute path or URL, percent-encoded) into a path.
func hrefPath(h string) string {
	u, err := url.Parse(strings.TrimSpace(h))
	if err != nil {
		return h
	}
	return u.Path
}

// byHref returns the response for path, or nil.
func (ms *multistatus) byHref(path string) *msResponse {
	for i := range ms.Responses {
		if ms.Responses[i].href() == path {
			return &ms.Responses[i]
		}
	}
	return nil
}

// hrefs lists the response paths.
func (ms *multistatus) hrefs() []string {
	var out []string
	for i := range ms.Responses {
		out = append(out, ms.Responses[i].href())
	}
	return out
}

// prop returns a property of the response and the status of its propstat;
// status 0 means the property is in no propstat at all.
func (r *msResponse) prop(n xml.Name) (*element, int) {
	for i := range r.Propstats {
		ps := &r.Propstats[i]
		for j := range ps.Prop.Props {
			if ps.Prop.Props[j].XMLName == n {
				return &ps.Prop.Props[j], statusCode(ps.Status)
			}
		}
	}
	return nil, 0
}

// propCount counts how often n appears across the response's propstats (a
// property must appear once).
func (r *msResponse) propCount(n xml.Name) int {
	c := 0
	for _, ps := range r.Propstats {
		for _, p := range ps.Prop.Props {
			if p.XMLName == n {
				c++
			}
		}
	}
	return c
}

// wantProp fails unless the response reports n with status 200, and returns it.
func wantProp(t *testing.T, r *msResponse, n xml.Name) *element {
	t.Helper()
	p, st := r.prop(n)
	if st != http.StatusOK {
		t.Errorf("%s: property {%s}%s has status %d, want 200", r.href(), n.Space, n.Local, st)
		return &element{XMLName: n}
	}
	if c := r.propCount(n); c != 1 {
		t.Errorf("%s: property {%s}%s appears %d times, want once", r.href(), n.Space, n.Local, c)
	}
	return p
}

// wantPropStatus fails unless the response reports n with the given status.
func wantPropStatus(t *testing.T, r *msResponse, n xml.Name, want int) {
	t.Helper()
	if _, st := r.prop(n); st != want {
		t.Errorf("%s: property {%s}%s has status %d, want %d", r.href(), n.Space, n.Local, st, want)
	}
}

// davError is a DAV:error body (RFC 4918 §16).
type davError struct {
	XMLName    xml.Name  `xml:"DAV: error"`
	Conditions []element `xml:",any"`
}

// wantCondition fails unless r has status and a DAV:error body naming cond;
// it returns the condition element.
func wantCondition(t *testing.T, r *response, status int, cond xml.Name) *element {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d with {%s}%s\nbody: %s", r.req, r.Status, status, cond.Space, cond.Local, r.Body)
		return nil
	}
	var de davError
	if err := xml.Unmarshal(r.Body, &de); err != nil {
		t.Errorf("%s: want a DAV:error body with {%s}%s, got %v\nbody: %s", r.req, cond.Space, cond.Local, err, r.Body)
		return nil
	}
	for i := range de.Conditions {
		if de.Conditions[i].XMLName == cond {
			return &de.Conditions[i]
		}
	}
	t.Errorf("%s: DAV:error lacks {%s}%s\nbody: %s", r.req, cond.Space, cond.Local, r.Body)
	return nil
}

// readTestdata returns a file of testdata/.
func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// crlf turns a Go raw string's LF line endings into iCalendar's CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// icsEvent returns a one-VEVENT calendar object with the given UID and
// extra lines (DTSTART, RRULE...), CRLF-terminated.
func icsEvent(uid string, lines ...string) string {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Kalends//conformance//EN\nBEGIN:VEVENT\n")
	b.WriteString("UID:" + uid + "\nDTSTAMP:20260101T000000Z\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("END:VEVENT\nEND:VCALENDAR\n")
	return crlf(b.String())
}
