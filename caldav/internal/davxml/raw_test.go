package davxml

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

// propOf decodes a PROPPATCH with a single set of the given property XML
// (namespace declarations on the root) and returns the RawXML.
func propOf(t *testing.T, decls, prop string) RawXML {
	t.Helper()
	body := `<D:propertyupdate xmlns:D="DAV:" ` + decls + `><D:set><D:prop>` + prop + `</D:prop></D:set></D:propertyupdate>`
	ups, err := DecodeProppatch(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 {
		t.Fatalf("%d updates", len(ups))
	}
	return ups[0].Prop
}

func TestRawXMLRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		decls    string
		prop     string
		wantName xml.Name
		wantText string
	}{
		{"apple color", `xmlns:A="http://apple.com/ns/ical/"`, `<A:calendar-color symbolic-color="red">#FF2968FF</A:calendar-color>`,
			ICalName("calendar-color"), "#FF2968FF"},
		{"default namespace", ``, `<foo xmlns="http://example.com/ns/" a="1">bar</foo>`,
			Name("http://example.com/ns/", "foo"), "bar"},
		{"nested foreign", `xmlns:X="urn:x" xmlns:Y="urn:y"`, `<X:outer><Y:inner Y:attr="v&lt;&quot;">t&amp;t</Y:inner><D:href>/a%20b</D:href><X:e/></X:outer>`,
			Name("urn:x", "outer"), "t&t/a%20b"},
		{"redeclared prefix", `xmlns:X="urn:x"`, `<X:a><X:b xmlns:X="urn:other"><X:c/></X:b></X:a>`,
			Name("urn:x", "a"), ""},
		{"no namespace", ``, `<plain xmlns="">text</plain>`, Name("", "plain"), "text"},
		{"no namespace child of namespaced", `xmlns:X="urn:x"`, `<X:a><b xmlns="">1</b></X:a>`, Name("urn:x", "a"), "1"},
		{"whitespace text kept", ``, `<D:displayname>  two  spaces </D:displayname>`, DAVName("displayname"), "  two  spaces "},
		{"crlf and cdata", ``, "<D:x><![CDATA[BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n]]></D:x>", DAVName("x"), "BEGIN:VCALENDAR\nEND:VCALENDAR\n"},
		{"xml:lang", `xmlns:C="urn:ietf:params:xml:ns:caldav"`, `<C:calendar-description xml:lang="fr">Événements</C:calendar-description>`,
			CalDAVName("calendar-description"), "Événements"},
		{"mixed content", `xmlns:X="urn:x"`, `<X:m>a<X:b>b</X:b>c</X:m>`, Name("urn:x", "m"), "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := propOf(t, tt.decls, tt.prop)
			if raw.Name() != tt.wantName {
				t.Errorf("name = %v", raw.Name())
			}
			if raw.Text() != tt.wantText {
				t.Errorf("text = %q", raw.Text())
			}
			s := raw.String()
			back, err := ParseRawXML(s)
			if err != nil {
				t.Fatalf("reparse %s: %v", s, err)
			}
			if !reflect.DeepEqual(back.Element(), raw.Element()) {
				t.Errorf("round trip differs:\n%s\n%s", s, back.String())
			}
			if back.String() != s {
				t.Errorf("serialization not stable:\n%s\n%s", s, back.String())
			}
			// encoding/xml reads the stored form with the right name.
			var again xAny
			if err := xml.Unmarshal([]byte(s), &again); err != nil {
				t.Fatal(err)
			}
			if again.XMLName != tt.wantName {
				t.Errorf("encoding/xml sees %v", again.XMLName)
			}
			// Through MarshalText / UnmarshalText.
			txt, _ := raw.MarshalText()
			var r2 RawXML
			if err := r2.UnmarshalText(txt); err != nil || !reflect.DeepEqual(r2.Element(), raw.Element()) {
				t.Errorf("text marshal round trip: %v", err)
			}
			// Re-emitted inside a multistatus it keeps name, attributes and text.
			resp := NewResponse("/cal/")
			resp.AddProp(200, raw.Prop())
			var buf bytes.Buffer
			if err := (&Multistatus{Responses: []*Response{resp}}).Encode(&buf); err != nil {
				t.Fatal(err)
			}
			ms := decodeMultistatus(t, buf.Bytes())
			got := ms.Responses[0].Propstats[0].Prop.Children[0]
			if got.XMLName != tt.wantName {
				t.Errorf("in multistatus: name %v\n%s", got.XMLName, buf.Bytes())
			}
			var want xAny
			if err := xml.Unmarshal([]byte(s), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalizeAny(got), normalizeAny(want)) {
				t.Errorf("in multistatus differs:\n%+v\n%+v\n%s", got, want, buf.Bytes())
			}
		})
	}
}

// normalizeAny drops namespace declaration attributes, whose prefixes
// depend on context.
func normalizeAny(a xAny) xAny {
	out := xAny{XMLName: a.XMLName, Text: a.Text}
	for _, at := range a.Attrs {
		if at.Name.Space == "xmlns" || at.Name.Local == "xmlns" {
			continue
		}
		out.Attrs = append(out.Attrs, at)
	}
	for _, c := range a.Children {
		out.Children = append(out.Children, normalizeAny(c))
	}
	return out
}

func TestRawXMLHelpers(t *testing.T) {
	r := RawText(DAVName("displayname"), "a < b")
	if got := r.String(); got != `<D:displayname xmlns:D="DAV:">a &lt; b</D:displayname>` {
		t.Errorf("String = %s", got)
	}
	var zero RawXML
	if !zero.IsZero() || zero.String() != "" || zero.Text() != "" || zero.Name() != (xml.Name{}) {
		t.Error("zero RawXML")
	}
	if err := zero.UnmarshalText(nil); err != nil || !zero.IsZero() {
		t.Error("UnmarshalText(nil)")
	}
	if _, err := ParseRawXML("<a>"); err == nil {
		t.Error("ParseRawXML accepted truncated input")
	}
	e := NewElement(Name("urn:x", "a")).SetAttr(Name("urn:y", "b"), "c")
	r = NewRawXML(e)
	e.Name.Local = "changed"
	if r.Name().Local != "a" {
		t.Error("NewRawXML does not copy")
	}
	if got := r.String(); got != `<x0:a xmlns:x0="urn:x" xmlns:x1="urn:y" x1:b="c"/>` {
		t.Errorf("String = %s", got)
	}
	if v, ok := r.Attr(Name("urn:y", "b")); !ok || v != "c" {
		t.Error("Attr")
	}
	// CR survives serialization and reparse.
	r = RawText(CalDAVName("calendar-timezone"), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	back, err := ParseRawXML(r.String())
	if err != nil || back.Text() != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" {
		t.Errorf("CRLF lost: %q %v", back.Text(), err)
	}
}
