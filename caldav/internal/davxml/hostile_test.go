package davxml

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// decoders lists every request decoder, for hostile-input tests and fuzzing.
var decoders = map[string]func(io.Reader) error{
	"propfind":       func(r io.Reader) error { _, err := DecodePropfind(r); return err },
	"proppatch":      func(r io.Reader) error { _, err := DecodeProppatch(r); return err },
	"mkcalendar":     func(r io.Reader) error { _, err := DecodeMkcalendar(r); return err },
	"mkcol":          func(r io.Reader) error { _, err := DecodeMkcol(r); return err },
	"calendar-query": func(r io.Reader) error { _, err := DecodeCalendarQuery(r); return err },
	"multiget":       func(r io.Reader) error { _, err := DecodeCalendarMultiget(r); return err },
	"free-busy":      func(r io.Reader) error { _, err := DecodeFreeBusyQuery(r); return err },
	"sync":           func(r io.Reader) error { _, err := DecodeSyncCollection(r); return err },
	"expand":         func(r io.Reader) error { _, err := DecodeExpandProperty(r); return err },
	"pps":            func(r io.Reader) error { _, err := DecodePrincipalPropertySearch(r); return err },
	"psps":           DecodePrincipalSearchPropertySet,
	"cs-search":      func(r io.Reader) error { _, err := DecodeCalendarServerPrincipalSearch(r); return err },
	"match":          func(r io.Reader) error { _, err := DecodePrincipalMatch(r); return err },
	"acl-pps":        func(r io.Reader) error { _, err := DecodeACLPrincipalPropSet(r); return err },
}

func TestHostileBodies(t *testing.T) {
	deep := strings.Repeat(`<D:prop xmlns:D="DAV:">`, 10000) + strings.Repeat(`</D:prop>`, 10000)
	deepExpand := `<D:expand-property xmlns:D="DAV:">` + strings.Repeat(`<D:property name="x">`, 200) +
		strings.Repeat(`</D:property>`, 200) + `</D:expand-property>`
	wide := `<D:propfind xmlns:D="DAV:"><D:prop>` + strings.Repeat(`<D:x/>`, DefaultLimits.MaxElements+1) + `</D:prop></D:propfind>`
	laughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<D:propfind xmlns:D="DAV:"><D:prop><D:x>&lol3;</D:x></D:prop></D:propfind>`
	xxe := `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:x>&xxe;</D:x></D:prop></D:propfind>`
	tests := []struct {
		name string
		body string
		is   error
	}{
		{"deep nesting", deep, ErrTooLarge},
		{"deep expand-property", deepExpand, ErrTooLarge},
		{"too many elements", wide, ErrTooLarge},
		{"billion laughs", laughs, ErrMalformed},
		{"external entity", xxe, ErrMalformed},
		{"truncated", `<D:propfind xmlns:D="DAV:"><D:pr`, ErrMalformed},
		{"truncated attribute", `<D:propfind xmlns:D="DAV:" a="`, ErrMalformed},
		{"nul byte", "<D:propfind xmlns:D=\"DAV:\">\x00</D:propfind>", ErrMalformed},
		{"invalid utf-8", "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:x>\xff\xfe</D:x></D:prop></D:propfind>", ErrMalformed},
	}
	for _, tt := range tests {
		for name, dec := range decoders {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				err := dec(strings.NewReader(tt.body))
				if !errors.Is(err, ErrMalformed) || !errors.Is(err, tt.is) {
					t.Errorf("err = %v, want %v", err, tt.is)
				}
			})
		}
	}
}

func TestSizeLimit(t *testing.T) {
	old := DefaultLimits
	defer func() { DefaultLimits = old }()
	DefaultLimits.MaxBytes = 100
	body := `<D:propfind xmlns:D="DAV:"><D:prop>` + strings.Repeat(" ", 200) + `<D:getetag/></D:prop></D:propfind>`
	if _, err := DecodePropfind(strings.NewReader(body)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized body: %v", err)
	}
	// Exactly at the limit is fine.
	body = `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`
	DefaultLimits.MaxBytes = int64(len(body))
	if _, err := DecodePropfind(strings.NewReader(body)); err != nil {
		t.Errorf("body at the limit: %v", err)
	}
	DefaultLimits.MaxBytes = int64(len(body) - 1)
	if _, err := DecodePropfind(strings.NewReader(body)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("body one byte over: %v", err)
	}
}

func TestParseElementLimits(t *testing.T) {
	body := `<a><b><c/></b></a>`
	if _, err := ParseElement(strings.NewReader(body), Limits{MaxDepth: 3}); err != nil {
		t.Error(err)
	}
	if _, err := ParseElement(strings.NewReader(body), Limits{MaxDepth: 2}); !errors.Is(err, ErrTooLarge) {
		t.Error(err)
	}
	if _, err := ParseElement(strings.NewReader(body), Limits{MaxElements: 2}); !errors.Is(err, ErrTooLarge) {
		t.Error(err)
	}
	if _, err := ParseElement(nil, Limits{}); !errors.Is(err, ErrEmptyBody) {
		t.Error(err)
	}
}

// fuzzSeeds returns every testdata body plus a few odd inputs.
func fuzzSeeds(f *testing.F) {
	entries, err := testdataFS.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := testdataFS.ReadFile("testdata/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte(`<D:propfind xmlns:D="DAV:"><D:prop><x:a xmlns:x="urn:x" x:b="c">t</x:a></D:prop></D:propfind>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
}

func FuzzDecoders(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dec := range decoders {
			_ = dec(bytes.NewReader(body))
		}
		_, _ = ReportName(body)
		// Any property accepted by PROPPATCH must survive storage.
		if ups, err := DecodeProppatch(bytes.NewReader(body)); err == nil {
			for _, u := range ups {
				s := u.Prop.String()
				back, err := ParseRawXML(s)
				if err != nil {
					t.Fatalf("stored form %q does not parse: %v", s, err)
				}
				if back.String() != s {
					t.Fatalf("stored form not stable:\n%s\n%s", s, back.String())
				}
			}
		}
	})
}
