package davxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodePropfind(t *testing.T) {
	box := "http://ns.example.com/boxschema/"
	tests := []struct {
		name string
		body []byte
		want PropRequest
	}{
		{"rfc4918 9.1.3 prop", readTestdata(t, "rfc4918-propfind-prop.xml"), PropRequest{Kind: PropNames,
			Names: []xml.Name{{Space: box, Local: "bigbox"}, {Space: box, Local: "author"}, {Space: box, Local: "DingALing"}, {Space: box, Local: "Random"}}}},
		{"rfc4918 9.1.4 propname", readTestdata(t, "rfc4918-propfind-propname.xml"), PropRequest{Kind: PropNameOnly}},
		{"rfc4918 9.1.5 allprop", readTestdata(t, "rfc4918-propfind-allprop.xml"), PropRequest{Kind: PropAll}},
		{"rfc4918 9.1.6 include", readTestdata(t, "rfc4918-propfind-include.xml"), PropRequest{Kind: PropAll,
			Include: []xml.Name{DAVName("supported-live-property-set"), DAVName("supported-report-set")}}},
		{"empty body", nil, PropRequest{Kind: PropAll}},
		{"whitespace body", []byte("  \r\n "), PropRequest{Kind: PropAll}},
		{"duplicates and comments", []byte(`<!-- c --><propfind xmlns="DAV:"><prop><getetag/><!-- x --><getetag/>
			<resourcetype/></prop><x:unknown xmlns:x="urn:x"/></propfind>`),
			PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag"), DAVName("resourcetype")}}},
		{"no namespace prop", []byte(`<D:propfind xmlns:D="DAV:"><D:prop><foo xmlns=""/></D:prop></D:propfind>`),
			PropRequest{Kind: PropNames, Names: []xml.Name{{Local: "foo"}}}},
		{"calendar-data in prop", []byte(`<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop></D:propfind>`),
			PropRequest{Kind: PropNames, Names: []xml.Name{CalDAVName("calendar-data")},
				CalendarData: &CalendarDataRequest{ContentType: "text/calendar", Version: "2.0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePropfind(bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestDecodePropfindErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		is   error
	}{
		{"wrong root", `<D:propertyupdate xmlns:D="DAV:"/>`, ErrUnexpectedRoot},
		{"wrong namespace", `<propfind xmlns="urn:not-dav"><allprop/></propfind>`, ErrUnexpectedRoot},
		{"nothing selected", `<D:propfind xmlns:D="DAV:"/>`, ErrMalformed},
		{"two selections", `<D:propfind xmlns:D="DAV:"><D:allprop/><D:propname/></D:propfind>`, ErrMalformed},
		{"include without allprop", `<D:propfind xmlns:D="DAV:"><D:propname/><D:include/></D:propfind>`, ErrMalformed},
		{"truncated", `<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>`, ErrMalformed},
		{"mismatched", `<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>`, ErrMalformed},
		{"undeclared prefix", `<D:propfind><D:allprop/></D:propfind>`, ErrMalformed},
		{"two roots", `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind><D:propfind xmlns:D="DAV:"/>`, ErrMalformed},
		{"text after root", `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>junk`, ErrMalformed},
		{"not xml", `{"json": true}`, ErrMalformed},
		{"doctype", `<!DOCTYPE propfind><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, ErrMalformed},
		{"undefined entity", `<D:propfind xmlns:D="DAV:"><D:prop><D:x>&lol;</D:x></D:prop></D:propfind>`, ErrMalformed},
		{"bad encoding", `<?xml version="1.0" encoding="EBCDIC"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePropfind(strings.NewReader(tt.body))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
		})
	}
}

func TestDecodeLatin1(t *testing.T) {
	body := append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Caf`), 0xe9)
	body = append(body, []byte(`</D:displayname></D:prop></D:set></D:propertyupdate>`)...)
	ups, err := DecodeProppatch(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := ups[0].Prop.Text(); got != "Café" {
		t.Errorf("text = %q", got)
	}
}

func TestDecodeProppatch(t *testing.T) {
	z := "http://ns.example.com/standards/z39.50/"
	type upd struct {
		remove bool
		name   xml.Name
		raw    string
	}
	tests := []struct {
		name string
		file string
		want []upd
	}{
		{"rfc4918 9.2.2", "rfc4918-proppatch.xml", []upd{
			{false, xml.Name{Space: z, Local: "Authors"}, `<x0:Authors xmlns:x0="` + z + `"><x0:Author>Jim Whitehead</x0:Author><x0:Author>Roy Fielding</x0:Author></x0:Authors>`},
			{true, xml.Name{Space: z, Local: "Copyright-Owner"}, `<x0:Copyright-Owner xmlns:x0="` + z + `"/>`},
		}},
		{"apple calendar-color", "apple-proppatch-color.xml", []upd{
			{false, ICalName("calendar-color"), `<ICAL:calendar-color xmlns:ICAL="http://apple.com/ns/ical/" symbolic-color="red">#FF2968FF</ICAL:calendar-color>`},
			{true, ICalName("calendar-order"), `<ICAL:calendar-order xmlns:ICAL="http://apple.com/ns/ical/"/>`},
			{false, DAVName("displayname"), `<D:displayname xmlns:D="DAV:">Work &amp; Play</D:displayname>`},
			{false, ICalName("calendar-order"), `<ICAL:calendar-order xmlns:ICAL="http://apple.com/ns/ical/">3</ICAL:calendar-order>`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeProppatch(bytes.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d updates, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Remove != w.remove || g.Name() != w.name || g.Prop.String() != w.raw {
					t.Errorf("update %d = {%v %v %s}, want {%v %v %s}", i, g.Remove, g.Name(), g.Prop.String(), w.remove, w.name, w.raw)
				}
			}
		})
	}
}

func TestDecodeProppatchErrors(t *testing.T) {
	for name, body := range map[string]string{
		"empty":          ``,
		"no instruction": `<D:propertyupdate xmlns:D="DAV:"/>`,
		"set no prop":    `<D:propertyupdate xmlns:D="DAV:"><D:set/></D:propertyupdate>`,
		"wrong root":     `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeProppatch(strings.NewReader(body)); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestDecodeMkcalendar(t *testing.T) {
	m, err := DecodeMkcalendar(bytes.NewReader(readTestdata(t, "rfc4791-mkcalendar.xml")))
	if err != nil {
		t.Fatal(err)
	}
	var names []xml.Name
	for _, p := range m.Props {
		names = append(names, p.Name())
	}
	want := []xml.Name{DAVName("displayname"), CalDAVName("calendar-description"), CalDAVName("supported-calendar-component-set"), CalDAVName("calendar-timezone")}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names = %v", names)
	}
	if m.ResourceType != nil {
		t.Errorf("resourcetype = %v", m.ResourceType)
	}
	if got := m.Props[0].Text(); got != "Lisa's Events" {
		t.Errorf("displayname = %q", got)
	}
	if v, ok := m.Props[1].Attr(xml.Name{Space: NSXML, Local: "lang"}); !ok || v != "en" {
		t.Errorf("xml:lang = %q %v", v, ok)
	}
	if got := m.Props[1].String(); got != `<C:calendar-description xmlns:C="urn:ietf:params:xml:ns:caldav" xml:lang="en">Calendar restricted to events.</C:calendar-description>` {
		t.Errorf("description = %s", got)
	}
	tz := m.Props[3].Text()
	if !strings.HasPrefix(tz, "BEGIN:VCALENDAR\n") || !strings.Contains(tz, "TZNAME:Eastern Standard Time (US & Canada)\n") {
		t.Errorf("timezone = %q", tz)
	}
	comp := m.Props[2].Element().Child(CalDAVName("comp"))
	if v, _ := comp.AttrValue(xml.Name{Local: "name"}); v != "VEVENT" {
		t.Errorf("comp = %v", comp)
	}

	// Empty body.
	m, err = DecodeMkcalendar(strings.NewReader(""))
	if err != nil || len(m.Props) != 0 {
		t.Errorf("empty body: %v %v", m, err)
	}
	// Wrong root.
	if _, err := DecodeMkcalendar(bytes.NewReader(readTestdata(t, "rfc5689-mkcol.xml"))); !errors.Is(err, ErrUnexpectedRoot) {
		t.Errorf("mkcol body for MKCALENDAR: %v", err)
	}
}

func TestXMLLangInherited(t *testing.T) {
	body := `<D:propertyupdate xmlns:D="DAV:" xml:lang="de"><D:set><D:prop xml:lang="fr"><D:displayname>Travail</D:displayname>
		<D:x xml:lang="en">Work</D:x></D:prop></D:set><D:set><D:prop><D:y>Arbeit</D:y></D:prop></D:set></D:propertyupdate>`
	ups, err := DecodeProppatch(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"fr", "en", "de"} {
		if v, _ := ups[i].Prop.Attr(xml.Name{Space: NSXML, Local: "lang"}); v != want {
			t.Errorf("prop %d xml:lang = %q, want %q", i, v, want)
		}
	}
	if got := ups[0].Prop.String(); got != `<D:displayname xmlns:D="DAV:" xml:lang="fr">Travail</D:displayname>` {
		t.Errorf("stored = %s", got)
	}
}

func TestDecodeMkcol(t *testing.T) {
	m, err := DecodeMkcol(bytes.NewReader(readTestdata(t, "rfc5689-mkcol.xml")))
	if err != nil {
		t.Fatal(err)
	}
	wantRT := []xml.Name{DAVName("collection"), {Space: "http://example.com/ns/", Local: "special-resource"}}
	if !reflect.DeepEqual(m.ResourceType, wantRT) {
		t.Errorf("resourcetype = %v", m.ResourceType)
	}
	if len(m.Props) != 1 || m.Props[0].Name() != DAVName("displayname") || m.Props[0].Text() != "Special Resource" {
		t.Errorf("props = %v", m.Props)
	}
	m, err = DecodeMkcol(strings.NewReader(`<D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:resourcetype/></D:prop></D:set></D:mkcol>`))
	if err != nil || m.ResourceType == nil || len(m.ResourceType) != 0 {
		t.Errorf("empty resourcetype: %#v %v", m, err)
	}
}
