package davxml

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// PropKind says how a request selects properties.
type PropKind int

// Property selection kinds.
const (
	// PropNone: the request has no DAV:prop, DAV:allprop or DAV:propname
	// (allowed in some REPORT bodies; the report defines the meaning).
	PropNone PropKind = iota
	// PropNames: DAV:prop listing the wanted properties.
	PropNames
	// PropAll: DAV:allprop, possibly with DAV:include.
	PropAll
	// PropNameOnly: DAV:propname, property names without values.
	PropNameOnly
)

// String returns "none", "prop", "allprop" or "propname".
func (k PropKind) String() string {
	switch k {
	case PropNames:
		return "prop"
	case PropAll:
		return "allprop"
	case PropNameOnly:
		return "propname"
	}
	return "none"
}

// PropRequest is the property selection of a PROPFIND body (RFC 4918
// §14.20) or of a REPORT body.
type PropRequest struct {
	// Kind is the kind of selection.
	Kind PropKind
	// Names lists the properties of a DAV:prop selection, in document
	// order, without duplicates.
	Names []xml.Name
	// Include lists the DAV:include properties of a DAV:allprop selection.
	Include []xml.Name
	// CalendarData holds the C:calendar-data request (RFC 4791 §9.6) if
	// C:calendar-data is among Names.
	CalendarData *CalendarDataRequest
}

// Has reports whether a DAV:prop selection names the property.
func (p *PropRequest) Has(name xml.Name) bool {
	for _, n := range p.Names {
		if n == name {
			return true
		}
	}
	return false
}

var (
	nameProp     = DAVName("prop")
	nameAllProp  = DAVName("allprop")
	namePropName = DAVName("propname")
	nameInclude  = DAVName("include")
	nameHref     = DAVName("href")
	nameSet      = DAVName("set")
	nameRemove   = DAVName("remove")
	nameCalData  = CalDAVName("calendar-data")
	nameResType  = DAVName("resourcetype")
)

// propNames returns the names of the child elements of a DAV:prop (or
// DAV:include) element, without duplicates.
func propNames(e *Element) []xml.Name {
	var out []xml.Name
	seen := map[xml.Name]bool{}
	for _, c := range e.Children {
		if c.IsText() || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		out = append(out, c.Name)
	}
	return out
}

// parsePropRequest reads the DAV:prop / DAV:allprop / DAV:propname (and
// DAV:include) children of parent.
func parsePropRequest(parent *Element) (PropRequest, error) {
	var p PropRequest
	var include *Element
	for _, c := range parent.Children {
		var kind PropKind
		switch c.Name {
		case nameProp:
			kind = PropNames
		case nameAllProp:
			kind = PropAll
		case namePropName:
			kind = PropNameOnly
		case nameInclude:
			if include != nil {
				return p, malformed("more than one DAV:include")
			}
			include = c
			continue
		default:
			continue
		}
		if p.Kind != PropNone {
			return p, malformed("more than one of DAV:prop, DAV:allprop and DAV:propname")
		}
		p.Kind = kind
		if kind == PropNames {
			p.Names = propNames(c)
			if cd := c.Child(nameCalData); cd != nil {
				req, err := parseCalendarDataRequest(cd)
				if err != nil {
					return p, err
				}
				p.CalendarData = req
			}
		}
	}
	if include != nil {
		if p.Kind != PropAll {
			return p, malformed("DAV:include without DAV:allprop")
		}
		p.Include = propNames(include)
	}
	return p, nil
}

// DecodePropfind decodes a PROPFIND body (RFC 4918 §9.1). An empty body
// means DAV:allprop. The body must select properties in one of the three
// ways.
func DecodePropfind(r io.Reader) (*PropRequest, error) {
	root, err := parseRoot(r, DAVName("propfind"))
	if errors.Is(err, ErrEmptyBody) {
		return &PropRequest{Kind: PropAll}, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := parsePropRequest(root)
	if err != nil {
		return nil, err
	}
	if p.Kind == PropNone {
		return nil, malformed("DAV:propfind needs DAV:prop, DAV:allprop or DAV:propname")
	}
	return &p, nil
}

// PropUpdate is one property instruction of a PROPPATCH body.
type PropUpdate struct {
	// Remove is true for a DAV:remove instruction, false for DAV:set.
	Remove bool
	// Prop is the property element: its value for a set, just its name
	// for a remove (any content is kept but meaningless).
	Prop RawXML
}

// Name returns the property's name.
func (u PropUpdate) Name() xml.Name { return u.Prop.Name() }

// DecodeProppatch decodes a PROPPATCH body (RFC 4918 §9.2, §14.19): the
// DAV:set and DAV:remove instructions flattened into one list of property
// updates in document order, which is the order they must be applied in.
func DecodeProppatch(r io.Reader) ([]PropUpdate, error) {
	root, err := parseRoot(r, DAVName("propertyupdate"))
	if err != nil {
		return nil, err
	}
	var out []PropUpdate
	n := 0
	for _, c := range root.Children {
		if c.Name != nameSet && c.Name != nameRemove {
			continue
		}
		n++
		props, err := instructionProps(c, xmlLang(root, ""))
		if err != nil {
			return nil, err
		}
		for _, p := range props {
			out = append(out, PropUpdate{Remove: c.Name == nameRemove, Prop: RawXML{el: p}})
		}
	}
	if n == 0 {
		return nil, malformed("DAV:propertyupdate without DAV:set or DAV:remove")
	}
	return out, nil
}

// instructionProps returns the property elements of a DAV:set or
// DAV:remove element (the children of its DAV:prop). An xml:lang in scope
// (inherited from the ancestors, lang being the root's) is copied onto
// property elements that have none, as RFC 4918 §4.3 asks to preserve it.
func instructionProps(instr *Element, lang string) ([]*Element, error) {
	prop := instr.Child(nameProp)
	if prop == nil {
		return nil, malformed("DAV:%s without DAV:prop", instr.Name.Local)
	}
	lang = xmlLang(instr, lang)
	var out []*Element
	for _, c := range instr.Children {
		if c.Name != nameProp {
			continue
		}
		l := xmlLang(c, lang)
		for _, p := range c.Children {
			if p.IsText() {
				continue
			}
			if _, ok := p.AttrValue(nameXMLLang); !ok && l != "" {
				p.Attr = append(p.Attr, xml.Attr{Name: nameXMLLang, Value: l})
			}
			out = append(out, p)
		}
	}
	return out, nil
}

var nameXMLLang = xml.Name{Space: NSXML, Local: "lang"}

// xmlLang returns the xml:lang of e, or inherited if e has none.
func xmlLang(e *Element, inherited string) string {
	if v, ok := e.AttrValue(nameXMLLang); ok {
		return v
	}
	return inherited
}

// Mkcol is the decoded body of an extended MKCOL (RFC 5689) or of a
// MKCALENDAR (RFC 4791 §5.3.1) request.
type Mkcol struct {
	// Props are the properties to set on the new collection, in document
	// order, DAV:resourcetype excluded.
	Props []RawXML
	// ResourceType lists the resource types requested with
	// DAV:resourcetype, nil if it was not given.
	ResourceType []xml.Name
}

// DecodeMkcalendar decodes a MKCALENDAR body (RFC 4791 §5.3.1): a
// C:mkcalendar holding DAV:set/DAV:prop. An empty body gives an empty
// Mkcol.
func DecodeMkcalendar(r io.Reader) (*Mkcol, error) {
	return decodeMkcol(r, CalDAVName("mkcalendar"))
}

// DecodeMkcol decodes an extended MKCOL body (RFC 5689 §5.1): a DAV:mkcol
// holding DAV:set/DAV:prop, usually with DAV:resourcetype. An empty body
// (plain MKCOL) gives an empty Mkcol.
func DecodeMkcol(r io.Reader) (*Mkcol, error) {
	return decodeMkcol(r, DAVName("mkcol"))
}

func decodeMkcol(r io.Reader, rootName xml.Name) (*Mkcol, error) {
	root, err := parseRoot(r, rootName)
	if errors.Is(err, ErrEmptyBody) {
		return &Mkcol{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := &Mkcol{}
	for _, c := range root.Children {
		if c.Name != nameSet {
			continue
		}
		props, err := instructionProps(c, xmlLang(root, ""))
		if err != nil {
			return nil, err
		}
		for _, p := range props {
			if p.Name == nameResType {
				m.ResourceType = propNames(p)
				if m.ResourceType == nil {
					m.ResourceType = []xml.Name{}
				}
				continue
			}
			m.Props = append(m.Props, RawXML{el: p})
		}
	}
	return m, nil
}

// trimmedText returns the whitespace-trimmed text content of e.
func trimmedText(e *Element) string { return strings.TrimSpace(e.TextContent()) }
