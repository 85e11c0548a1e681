package davxml

import "encoding/xml"

// TextProp returns the property <name>text</name> (e.g. DAV:displayname,
// DAV:getetag). An empty text gives an empty element.
func TextProp(name xml.Name, text string) *Element { return TextElement(name, text) }

// HrefProp returns the property <name><D:href>h</D:href>…</name> (e.g.
// DAV:current-user-principal, C:calendar-home-set). Hrefs are written
// verbatim; use EncodeHref for paths.
func HrefProp(name xml.Name, hrefs ...string) *Element {
	e := NewElement(name)
	for _, h := range hrefs {
		e.Children = append(e.Children, TextElement(DAVName("href"), sanitizeHref(h)))
	}
	return e
}

// EmptyProp returns the empty element <name/>, as used for property names
// in 404/403 propstats and PROPPATCH results.
func EmptyProp(name xml.Name) *Element { return NewElement(name) }

// NamesProp returns <name><n1/><n2/>…</name>, e.g. DAV:resourcetype.
func NamesProp(name xml.Name, names ...xml.Name) *Element {
	e := NewElement(name)
	for _, n := range names {
		e.Children = append(e.Children, NewElement(n))
	}
	return e
}

// ResourceType returns the DAV:resourcetype property listing the types,
// e.g. ResourceType(DAVName("collection"), CalDAVName("calendar")).
func ResourceType(types ...xml.Name) *Element {
	return NamesProp(DAVName("resourcetype"), types...)
}

// SupportedReportSet returns the DAV:supported-report-set property
// (RFC 3253 §3.1.5) for the report names.
func SupportedReportSet(reports ...xml.Name) *Element {
	e := NewElement(DAVName("supported-report-set"))
	for _, r := range reports {
		e.Children = append(e.Children,
			NewElement(DAVName("supported-report"), NewElement(DAVName("report"), NewElement(r))))
	}
	return e
}

// SupportedCalendarComponentSet returns the
// C:supported-calendar-component-set property (RFC 4791 §5.2.3) with one
// <C:comp name="…"/> per component name, e.g. "VEVENT", "VTODO".
func SupportedCalendarComponentSet(comps ...string) *Element {
	e := NewElement(CalDAVName("supported-calendar-component-set"))
	for _, c := range comps {
		e.Children = append(e.Children, NewElement(CalDAVName("comp")).SetAttr(xml.Name{Local: "name"}, c))
	}
	return e
}

// MediaType is a calendar media type with its version, as in
// C:calendar-data content-type and version attributes.
type MediaType struct {
	// ContentType is the media type, e.g. "text/calendar".
	ContentType string
	// Version is the format version, e.g. "2.0"; omitted if empty.
	Version string
}

// SupportedCalendarData returns the C:supported-calendar-data property
// (RFC 4791 §5.2.4). Without arguments it lists text/calendar 2.0.
func SupportedCalendarData(types ...MediaType) *Element {
	if len(types) == 0 {
		types = []MediaType{{"text/calendar", "2.0"}}
	}
	e := NewElement(CalDAVName("supported-calendar-data"))
	for _, t := range types {
		c := NewElement(CalDAVName("calendar-data")).SetAttr(xml.Name{Local: "content-type"}, t.ContentType)
		if t.Version != "" {
			c.SetAttr(xml.Name{Local: "version"}, t.Version)
		}
		e.Children = append(e.Children, c)
	}
	return e
}

// PrivilegeSet returns <name><D:privilege><p1/></D:privilege>…</name>.
func PrivilegeSet(name xml.Name, privileges ...xml.Name) *Element {
	e := NewElement(name)
	for _, p := range privileges {
		e.Children = append(e.Children, NewElement(DAVName("privilege"), NewElement(p)))
	}
	return e
}

// CurrentUserPrivilegeSet returns the DAV:current-user-privilege-set
// property (RFC 3744 §5.4), e.g. with DAVName("read"), DAVName("write").
func CurrentUserPrivilegeSet(privileges ...xml.Name) *Element {
	return PrivilegeSet(DAVName("current-user-privilege-set"), privileges...)
}

// SupportedCollationSet returns the C:supported-collation-set property
// (RFC 4791 §7.5.1), e.g. with "i;ascii-casemap", "i;octet".
func SupportedCollationSet(collations ...string) *Element {
	e := NewElement(CalDAVName("supported-collation-set"))
	for _, c := range collations {
		e.Children = append(e.Children, TextElement(CalDAVName("supported-collation"), c))
	}
	return e
}

// SearchableProperty describes one property a client may search on, for
// the DAV:principal-search-property-set report (RFC 3744 §9.5).
type SearchableProperty struct {
	// Name is the property name.
	Name xml.Name
	// Description is a human-readable English description.
	Description string
}

// PrincipalSearchPropertySet returns the body element of a
// DAV:principal-search-property-set report response, to write with
// EncodeElement.
func PrincipalSearchPropertySet(props ...SearchableProperty) *Element {
	e := NewElement(DAVName("principal-search-property-set"))
	for _, p := range props {
		desc := TextElement(DAVName("description"), p.Description).SetAttr(xml.Name{Space: NSXML, Local: "lang"}, "en")
		e.Children = append(e.Children, NewElement(DAVName("principal-search-property"),
			NewElement(DAVName("prop"), NewElement(p.Name)), desc))
	}
	return e
}
