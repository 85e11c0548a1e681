package davxml

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestEncodeDecodeHref(t *testing.T) {
	tests := []struct{ path, href string }{
		{"/", "/"},
		{"/dav/calendars/jo/", "/dav/calendars/jo/"},
		{"/dav/calendars/jo@example.com/my cal/", "/dav/calendars/jo@example.com/my%20cal/"},
		{"/dav/calendars/jo/Événement.ics", "/dav/calendars/jo/%C3%89v%C3%A9nement.ics"},
		{"/a/100%/b?c#d", "/a/100%25/b%3Fc%23d"},
		{"/a/x:y;z,w+v=u&t$", "/a/x:y%3Bz%2Cw+v=u&t$"},
		{"/日本/カレンダー", "/%E6%97%A5%E6%9C%AC/%E3%82%AB%E3%83%AC%E3%83%B3%E3%83%80%E3%83%BC"},
	}
	for _, tt := range tests {
		if got := EncodeHref(tt.path); got != tt.href {
			t.Errorf("EncodeHref(%q) = %q, want %q", tt.path, got, tt.href)
		}
		if got, err := DecodeHref(tt.href); err != nil || got != tt.path {
			t.Errorf("DecodeHref(%q) = %q, %v", tt.href, got, err)
		}
		if sanitizeHref(tt.href) != tt.href {
			t.Errorf("sanitizeHref changed valid %q", tt.href)
		}
	}
	decode := []struct{ in, want string }{
		{"https://cal.example.com/dav/calendars/jo/a%20b.ics", "/dav/calendars/jo/a b.ics"},
		{"http://cal.example.com:8080/dav/?x=1#f", "/dav/"},
		{"http://cal.example.com", "/"},
		{"  /dav/x  ", "/dav/x"},
		{"relative/x%40y", "relative/x@y"},
	}
	for _, tt := range decode {
		if got, err := DecodeHref(tt.in); err != nil || got != tt.want {
			t.Errorf("DecodeHref(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "mailto:jo@example.com", "/a%zz", "urn:uuid:1234", "ftp://x/y", "?q"} {
		if got, err := DecodeHref(bad); err == nil {
			t.Errorf("DecodeHref(%q) = %q, want error", bad, got)
		}
	}
}

func TestParseDepth(t *testing.T) {
	tests := []struct {
		in   string
		want Depth
		err  bool
	}{
		{"", DepthUnset, false}, {"0", DepthZero, false}, {"1", DepthOne, false},
		{"infinity", DepthInfinity, false}, {" Infinity ", DepthInfinity, false},
		{"2", DepthUnset, true}, {"-1", DepthUnset, true}, {"inf", DepthUnset, true},
	}
	for _, tt := range tests {
		got, err := ParseDepth(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseDepth(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadHeader) {
			t.Errorf("error %v is not ErrBadHeader", err)
		}
	}
	if DepthUnset.Or(DepthOne) != DepthOne || DepthZero.Or(DepthOne) != DepthZero {
		t.Error("Or")
	}
	if DepthInfinity.String() != "infinity" || DepthZero.String() != "0" || DepthOne.String() != "1" || DepthUnset.String() != "" {
		t.Error("String")
	}
}

func TestParseOverwrite(t *testing.T) {
	for in, want := range map[string]bool{"": true, "T": true, "F": false, " F ": false} {
		if got, err := ParseOverwrite(in); err != nil || got != want {
			t.Errorf("ParseOverwrite(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseOverwrite("yes"); !errors.Is(err, ErrBadHeader) {
		t.Error("ParseOverwrite(yes) accepted")
	}
}

func TestParseDestination(t *testing.T) {
	base, _ := url.Parse("https://cal.example.com/dav/calendars/jo/a.ics")
	tests := []struct {
		in, want string
		err      error
	}{
		{"https://cal.example.com/dav/calendars/jo/b%20c.ics", "/dav/calendars/jo/b c.ics", nil},
		{"https://CAL.example.com/x", "/x", nil},
		{"/dav/calendars/jo/other/a.ics", "/dav/calendars/jo/other/a.ics", nil},
		{"b.ics", "/dav/calendars/jo/b.ics", nil},
		{"https://evil.example.com/x", "", ErrCrossServer},
		{"http://cal.example.com/x", "", ErrCrossServer},
		{"", "", ErrBadHeader},
		{"mailto:x@y", "", ErrBadHeader},
		{"/a%zz", "", ErrBadHeader},
	}
	for _, tt := range tests {
		got, err := ParseDestination(tt.in, base)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseDestination(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDestination(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	// Without host in base, absolute URLs are accepted as is.
	if got, err := ParseDestination("http://other/x", &url.URL{Path: "/a"}); err != nil || got != "/x" {
		t.Errorf("no-host base: %q %v", got, err)
	}
}

func TestParseIf(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *IfHeader
	}{
		{"single etag", `(["etag-1"])`, &IfHeader{Lists: []IfList{{Conditions: []IfCondition{{ETag: `"etag-1"`}}}}}},
		{"rfc4918 10.4.6 no-tag", `(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>
  ["I am an ETag"])
  (["I am another ETag"])`, &IfHeader{Lists: []IfList{
			{Conditions: []IfCondition{{StateToken: "urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2"}, {ETag: `"I am an ETag"`}}},
			{Conditions: []IfCondition{{ETag: `"I am another ETag"`}}},
		}}},
		{"rfc4918 10.4.7 not", `(Not <urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>
  <urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092>)`, &IfHeader{Lists: []IfList{
			{Conditions: []IfCondition{{Not: true, StateToken: "urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2"}, {StateToken: "urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092"}}},
		}}},
		{"rfc4918 10.4.8 no-lock", `(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)
  (Not <DAV:no-lock>)`, &IfHeader{Lists: []IfList{
			{Conditions: []IfCondition{{StateToken: "urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2"}}},
			{Conditions: []IfCondition{{Not: true, StateToken: "DAV:no-lock"}}},
		}}},
		{"rfc4918 10.4.9 tagged", `<http://www.example.com/specs/>
  (<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)
  <http://www.example.com/other> (["etag"]) (Not [W/"weak"])`, &IfHeader{Tagged: true, Lists: []IfList{
			{Resource: "http://www.example.com/specs/", Conditions: []IfCondition{{StateToken: "urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2"}}},
			{Resource: "http://www.example.com/other", Conditions: []IfCondition{{ETag: `"etag"`}}},
			{Resource: "http://www.example.com/other", Conditions: []IfCondition{{Not: true, ETag: `W/"weak"`}}},
		}}},
		{"etag with brackets and spaces", `( [ "a]b" ] )`, &IfHeader{Lists: []IfList{{Conditions: []IfCondition{{ETag: `"a]b"`}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIf(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "   ", "()", "(", `(["x"]`, `([x])`, `(["x")`, `(<a)`, `(<>)`, `x`,
		`(["a"]) <http://x/> (["b"])`, `<http://x/>`, `<http://x/> junk`, `(Not)`, `(["a"] junk)`, `<> (["a"])`} {
		if h, err := ParseIf(bad); err == nil || !errors.Is(err, ErrBadHeader) {
			t.Errorf("ParseIf(%q) = %+v, %v", bad, h, err)
		}
	}
}

func TestIfEvaluate(t *testing.T) {
	state := func(res string) IfState {
		switch res {
		case "":
			return IfState{Exists: true, ETag: `"v2"`, LockTokens: []string{"urn:uuid:lock"}}
		case "http://x/other":
			return IfState{Exists: true, ETag: `"o1"`}
		}
		return IfState{}
	}
	tests := []struct {
		in   string
		want bool
	}{
		{`(["v2"])`, true},
		{`(["v1"])`, false},
		{`(Not ["v1"])`, true},
		{`([W/"v2"])`, false},
		{`(["v1"]) (["v2"])`, true},
		{`(["v2"] <urn:uuid:lock>)`, true},
		{`(["v2"] <urn:uuid:other>)`, false},
		{`(<urn:uuid:other>) (Not <DAV:no-lock>)`, true},
		{`<http://x/other> (["o1"])`, true},
		{`<http://x/other> (["v2"])`, false},
		{`<http://x/gone> (["v2"])`, false},
		{`<http://x/gone> (Not ["v2"])`, true},
	}
	for _, tt := range tests {
		h, err := ParseIf(tt.in)
		if err != nil {
			continue
		}
		if got := h.Evaluate(state); got != tt.want {
			t.Errorf("Evaluate(%s) = %v", tt.in, got)
		}
	}
	h, _ := ParseIf(`(["v2"])`)
	if et, ok := h.SimpleETag(); !ok || et != `"v2"` {
		t.Errorf("SimpleETag = %q %v", et, ok)
	}
	if !h.MatchesETag(`"v2"`) || h.MatchesETag(`"v3"`) || h.MatchesETag("") {
		t.Error("MatchesETag")
	}
	for _, in := range []string{`(Not ["v2"])`, `(["a"]) (["b"])`, `(["a"] ["b"])`, `(<urn:x>)`, `<http://x/> (["a"])`} {
		h, _ := ParseIf(in)
		if _, ok := h.SimpleETag(); ok {
			t.Errorf("SimpleETag(%s) ok", in)
		}
	}
	if !StrongETagMatch(`"a"`, `"a"`) || StrongETagMatch(`W/"a"`, `W/"a"`) || StrongETagMatch(`"a"`, `"b"`) || StrongETagMatch("", "") {
		t.Error("StrongETagMatch")
	}
}

func TestUTCDateTime(t *testing.T) {
	good := map[string]time.Time{
		"20060104T140000Z": time.Date(2006, 1, 4, 14, 0, 0, 0, time.UTC),
		"19991231T235959Z": time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		"20240229T000000Z": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range good {
		got, err := ParseUTCDateTime(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseUTCDateTime(%q) = %v, %v", in, got, err)
		}
		if FormatUTCDateTime(got) != in {
			t.Errorf("FormatUTCDateTime = %q", FormatUTCDateTime(got))
		}
	}
	for _, bad := range []string{"", "20060104T140000", "20060104", "20060104T140000+0100", "2006-01-04T14:00:00Z",
		"20060104t140000z", "20061304T140000Z", "20230229T000000Z", "20060104T250000Z", "20060104T1400000Z", "2006010AT140000Z"} {
		if got, err := ParseUTCDateTime(bad); err == nil {
			t.Errorf("ParseUTCDateTime(%q) = %v", bad, got)
		}
	}
	paris := time.FixedZone("CET", 3600)
	if got := FormatUTCDateTime(time.Date(2006, 1, 4, 15, 0, 0, 5, paris)); got != "20060104T140000Z" {
		t.Errorf("FormatUTCDateTime(CET) = %q", got)
	}
}
