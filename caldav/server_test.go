package caldav

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/testenv"
)

// testServer is a Handler on a fresh SQLite store behind a real HTTP
// server, with users alice and bob (password "pw-NAME").
type testServer struct {
	t     *testing.T
	store backend.Store
	srv   *httptest.Server
	users map[string]*backend.Principal
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, store: s, users: map[string]*backend.Principal{}}
	for _, name := range []string{"alice", "bob"} {
		hash, _ := backend.HashPassword("pw-" + name)
		p := &backend.Principal{Kind: backend.KindUser, Name: name, DisplayName: strings.ToUpper(name[:1]) + name[1:],
			Emails: []string{name + "@example.com"}}
		if err := s.CreatePrincipal(context.Background(), p, hash); err != nil {
			t.Fatal(err)
		}
		ts.users[name] = p
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts.srv = httptest.NewServer(newHandler(s, Options{Logger: logger}))
	t.Cleanup(func() { ts.srv.Close(); s.Close() })
	return ts
}

// do sends a request as user ("" = anonymous) and returns the response
// with its body read.
func (ts *testServer) do(user, method, path, body string, headers ...string) (*http.Response, string) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, "pw-"+user)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// must sends a request and fails the test unless the status is want.
func (ts *testServer) must(want int, user, method, path, body string, headers ...string) (*http.Response, string) {
	ts.t.Helper()
	resp, b := ts.do(user, method, path, body, headers...)
	if resp.StatusCode != want {
		ts.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, resp.StatusCode, want, b)
	}
	return resp, b
}

// put stores an iCalendar object as user and returns its ETag.
func (ts *testServer) put(user, path, ics string) string {
	ts.t.Helper()
	resp, _ := ts.must(http.StatusCreated, user, "PUT", path, ics, "Content-Type", "text/calendar; charset=utf-8")
	return resp.Header.Get("ETag")
}

// msResponse is a decoded DAV:response.
type msResponse struct {
	Href      []string `xml:"DAV: href"`
	Status    string   `xml:"DAV: status"`
	Propstats []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			Any []anyElem `xml:",any"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
	Error *anyElem `xml:"DAV: error"`
}

// anyElem is any element with its inner XML.
type anyElem struct {
	XMLName xml.Name
	Attr    []xml.Attr `xml:",any,attr"`
	Inner   string     `xml:",innerxml"`
}

type multistatus struct {
	Responses []msResponse `xml:"DAV: response"`
	SyncToken string       `xml:"DAV: sync-token"`
}

// parseMultistatus decodes a 207 body.
func parseMultistatus(t *testing.T, body string) *multistatus {
	t.Helper()
	var ms multistatus
	if err := xml.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatalf("multistatus does not decode: %v\n%s", err, body)
	}
	return &ms
}

// response returns the response for an href (decoded path), or nil.
func (ms *multistatus) response(path string) *msResponse {
	for i := range ms.Responses {
		for _, h := range ms.Responses[i].Href {
			if p, err := dx.DecodeHref(h); err == nil && p == path {
				return &ms.Responses[i]
			}
		}
	}
	return nil
}

// prop returns a property's status code text and inner XML in a response.
func (r *msResponse) prop(name xml.Name) (status string, inner string, ok bool) {
	for _, ps := range r.Propstats {
		for _, a := range ps.Prop.Any {
			if a.XMLName == name {
				return ps.Status, a.Inner, true
			}
		}
	}
	return "", "", false
}

// errorCondition returns the first child element name of a DAV:error body.
func errorCondition(t *testing.T, body string) xml.Name {
	t.Helper()
	var e struct {
		XMLName xml.Name
		Any     []anyElem `xml:",any"`
	}
	if err := xml.Unmarshal([]byte(body), &e); err != nil || e.XMLName != dx.DAVName("error") || len(e.Any) == 0 {
		t.Fatalf("not a DAV:error body: %v\n%s", err, body)
	}
	return e.Any[0].XMLName
}

// event is a small VEVENT resource.
func event(uid, dtstart, summary string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + dtstart + "\r\nDURATION:PT1H\r\nSUMMARY:" + summary +
		"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// newHandler is New on a Service of store with the default limits.
func newHandler(store backend.Store, opts Options) *Handler {
	return New(calendar.New(store, calendar.Options{Logger: opts.Logger}), opts)
}

// doAs sends a request with the given credentials and returns its status.
func (ts *testServer) doAs(user, pass, method, path string) int {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+path, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	req.Header.Set("Depth", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
