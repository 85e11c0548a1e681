package davxml

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// RawXML is an XML element kept verbatim: its name, attributes (such as
// Apple's symbolic-color on ICAL:calendar-color), text and child elements
// in any namespace. It is how dead properties are stored and returned.
//
// The zero value is an empty RawXML (IsZero reports true).
type RawXML struct {
	el *Element
}

// NewRawXML returns a RawXML holding a copy of e, which must be an element
// (not a text node).
func NewRawXML(e *Element) RawXML {
	if e == nil || e.IsText() {
		return RawXML{}
	}
	return RawXML{el: e.Clone()}
}

// RawText returns a RawXML for the simple property <name>text</name>.
func RawText(name xml.Name, text string) RawXML {
	return RawXML{el: TextElement(name, text)}
}

// ParseRawXML parses a serialized element as produced by RawXML.String.
func ParseRawXML(s string) (RawXML, error) {
	el, err := ParseElement(strings.NewReader(s), DefaultLimits)
	if err != nil {
		return RawXML{}, err
	}
	return RawXML{el: el}, nil
}

// IsZero reports whether r holds no element.
func (r RawXML) IsZero() bool { return r.el == nil }

// Name returns the element's name.
func (r RawXML) Name() xml.Name {
	if r.el == nil {
		return xml.Name{}
	}
	return r.el.Name
}

// Text returns the element's character data (that of descendants included),
// which is the value of a simple text property such as DAV:displayname.
func (r RawXML) Text() string {
	if r.el == nil {
		return ""
	}
	return r.el.TextContent()
}

// Element returns a copy of the element tree.
func (r RawXML) Element() *Element { return r.el.Clone() }

// Attr returns the value of the attribute name, if present.
func (r RawXML) Attr(name xml.Name) (string, bool) {
	if r.el == nil {
		return "", false
	}
	return r.el.AttrValue(name)
}

// String serializes the element as a self-contained XML fragment with all
// the namespace declarations it needs, suitable for storage and for
// ParseRawXML. The zero RawXML gives "".
func (r RawXML) String() string {
	if r.el == nil {
		return ""
	}
	var b bytes.Buffer
	x := newXMLWriter(&b)
	x.element(r.el)
	if err := x.flush(); err != nil {
		return ""
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler with String.
func (r RawXML) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseRawXML.
func (r *RawXML) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*r = RawXML{}
		return nil
	}
	v, err := ParseRawXML(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Prop returns the element tree to place in a multistatus prop. The tree is
// shared with r and must not be modified.
func (r RawXML) Prop() *Element { return r.el }
