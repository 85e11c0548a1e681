package davxml

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// Names of the REPORT bodies the package decodes.
var (
	// ReportCalendarQuery is C:calendar-query (RFC 4791 §7.8).
	ReportCalendarQuery = CalDAVName("calendar-query")
	// ReportCalendarMultiget is C:calendar-multiget (RFC 4791 §7.9).
	ReportCalendarMultiget = CalDAVName("calendar-multiget")
	// ReportFreeBusyQuery is C:free-busy-query (RFC 4791 §7.10).
	ReportFreeBusyQuery = CalDAVName("free-busy-query")
	// ReportSyncCollection is DAV:sync-collection (RFC 6578 §3.2).
	ReportSyncCollection = DAVName("sync-collection")
	// ReportExpandProperty is DAV:expand-property (RFC 3253 §3.8).
	ReportExpandProperty = DAVName("expand-property")
	// ReportPrincipalPropertySearch is DAV:principal-property-search
	// (RFC 3744 §9.4).
	ReportPrincipalPropertySearch = DAVName("principal-property-search")
	// ReportPrincipalSearchPropSet is DAV:principal-search-property-set
	// (RFC 3744 §9.5).
	ReportPrincipalSearchPropSet = DAVName("principal-search-property-set")
	// ReportPrincipalMatch is DAV:principal-match (RFC 3744 §9.3).
	ReportPrincipalMatch = DAVName("principal-match")
	// ReportACLPrincipalPropSet is DAV:acl-principal-prop-set (RFC 3744
	// §9.2).
	ReportACLPrincipalPropSet = DAVName("acl-principal-prop-set")
	// ReportCalendarServerPrincipals is Apple's
	// CS:calendarserver-principal-search.
	ReportCalendarServerPrincipals = CSName("calendarserver-principal-search")
)

// ReportName returns the name of the root element of a REPORT body, to
// choose the decoder. It reads only up to the root start tag; DOCTYPE
// declarations and an empty body are errors matching ErrMalformed.
func ReportName(body []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = charsetReader
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.Name{}, errNoRoot
		}
		if err != nil {
			return xml.Name{}, malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == "" {
				return xml.Name{}, malformed("root element %s has no namespace", t.Name.Local)
			}
			return t.Name, nil
		case xml.Directive:
			return xml.Name{}, malformed("DOCTYPE and other directives are not allowed")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.Name{}, malformed("text outside the root element")
			}
		}
	}
}

// CalendarQuery is a C:calendar-query REPORT body (RFC 4791 §7.8).
type CalendarQuery struct {
	// Prop is the property selection (may be PropNone).
	Prop PropRequest
	// Filter is the top-level C:comp-filter, always named VCALENDAR.
	Filter CompFilter
	// Timezone is the C:timezone text (an iCalendar object holding a
	// VTIMEZONE), used to interpret floating times; "" if absent.
	Timezone string
	// TimezoneID is the C:timezone-id text (RFC 7809); "" if absent.
	TimezoneID string
}

// CompFilter is a C:comp-filter (RFC 4791 §9.7.1). A filter with
// IsNotDefined matches components absent from their parent; otherwise
// all of TimeRange, PropFilters and CompFilters must match.
type CompFilter struct {
	// Name is the component name, upper-cased.
	Name string
	// IsNotDefined is true for C:is-not-defined.
	IsNotDefined bool
	// TimeRange is the optional C:time-range.
	TimeRange *TimeRange
	// PropFilters are the C:prop-filter children.
	PropFilters []PropFilter
	// CompFilters are the C:comp-filter children.
	CompFilters []CompFilter
}

// PropFilter is a C:prop-filter (RFC 4791 §9.7.2).
type PropFilter struct {
	// Name is the property name, upper-cased.
	Name string
	// IsNotDefined is true for C:is-not-defined.
	IsNotDefined bool
	// TimeRange is the optional C:time-range (exclusive with TextMatch).
	TimeRange *TimeRange
	// TextMatch is the optional C:text-match (exclusive with TimeRange).
	TextMatch *TextMatch
	// ParamFilters are the C:param-filter children.
	ParamFilters []ParamFilter
}

// ParamFilter is a C:param-filter (RFC 4791 §9.7.3).
type ParamFilter struct {
	// Name is the parameter name, upper-cased.
	Name string
	// IsNotDefined is true for C:is-not-defined.
	IsNotDefined bool
	// TextMatch is the optional C:text-match.
	TextMatch *TextMatch
}

// TextMatch is a C:text-match (RFC 4791 §9.7.5).
type TextMatch struct {
	// Text is the substring to look for, verbatim.
	Text string
	// Collation defaults to "i;ascii-casemap". The decoder does not check
	// it is supported (CALDAV:supported-collation is the caller's).
	Collation string
	// NegateCondition is true for negate-condition="yes".
	NegateCondition bool
}

var (
	nameFilter       = CalDAVName("filter")
	nameCompFilter   = CalDAVName("comp-filter")
	namePropFilter   = CalDAVName("prop-filter")
	nameParamFilter  = CalDAVName("param-filter")
	nameIsNotDefined = CalDAVName("is-not-defined")
	nameTimeRange    = CalDAVName("time-range")
	nameTextMatch    = CalDAVName("text-match")
)

// DecodeCalendarQuery decodes a C:calendar-query REPORT body. Filter
// errors also match ErrInvalidFilter.
func DecodeCalendarQuery(r io.Reader) (*CalendarQuery, error) {
	root, err := parseRoot(r, ReportCalendarQuery)
	if err != nil {
		return nil, err
	}
	q := &CalendarQuery{}
	if q.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	var filter *Element
	for _, c := range root.Children {
		switch c.Name {
		case nameFilter:
			if filter != nil {
				return nil, invalidFilter("more than one C:filter")
			}
			filter = c
		case CalDAVName("timezone"):
			q.Timezone = c.TextContent()
		case CalDAVName("timezone-id"):
			q.TimezoneID = trimmedText(c)
		}
	}
	if filter == nil {
		return nil, invalidFilter("C:calendar-query without C:filter")
	}
	var top []*Element
	for _, c := range filter.Children {
		if c.Name == nameCompFilter {
			top = append(top, c)
		}
	}
	if len(top) != 1 {
		return nil, invalidFilter("C:filter must hold exactly one C:comp-filter")
	}
	if q.Filter, err = parseCompFilter(top[0]); err != nil {
		return nil, err
	}
	if q.Filter.Name != "VCALENDAR" {
		return nil, invalidFilter("top-level C:comp-filter is %q, want VCALENDAR", q.Filter.Name)
	}
	if q.Filter.IsNotDefined {
		return nil, invalidFilter("C:is-not-defined on VCALENDAR")
	}
	return q, nil
}

func parseCompFilter(e *Element) (CompFilter, error) {
	var f CompFilter
	name, ok := nameOf(e)
	if !ok {
		return f, invalidFilter("C:comp-filter without name")
	}
	f.Name = name
	others := false
	for _, c := range e.Children {
		switch c.Name {
		case nameIsNotDefined:
			f.IsNotDefined = true
		case nameTimeRange:
			if f.TimeRange != nil {
				return f, invalidFilter("more than one C:time-range in C:comp-filter %s", name)
			}
			tr, err := parseTimeRangeAttrs(c)
			if err != nil {
				return f, invalidFilter("C:comp-filter %s: %v", name, err)
			}
			f.TimeRange, others = tr, true
		case namePropFilter:
			pf, err := parsePropFilter(c)
			if err != nil {
				return f, err
			}
			f.PropFilters, others = append(f.PropFilters, pf), true
		case nameCompFilter:
			cf, err := parseCompFilter(c)
			if err != nil {
				return f, err
			}
			f.CompFilters, others = append(f.CompFilters, cf), true
		}
	}
	if f.IsNotDefined && others {
		return f, invalidFilter("C:is-not-defined with other tests in C:comp-filter %s", name)
	}
	return f, nil
}

func parsePropFilter(e *Element) (PropFilter, error) {
	var f PropFilter
	name, ok := nameOf(e)
	if !ok {
		return f, invalidFilter("C:prop-filter without name")
	}
	f.Name = name
	others := false
	for _, c := range e.Children {
		switch c.Name {
		case nameIsNotDefined:
			f.IsNotDefined = true
		case nameTimeRange:
			if f.TimeRange != nil || f.TextMatch != nil {
				return f, invalidFilter("C:prop-filter %s: more than one C:time-range or C:text-match", name)
			}
			tr, err := parseTimeRangeAttrs(c)
			if err != nil {
				return f, invalidFilter("C:prop-filter %s: %v", name, err)
			}
			f.TimeRange, others = tr, true
		case nameTextMatch:
			if f.TimeRange != nil || f.TextMatch != nil {
				return f, invalidFilter("C:prop-filter %s: more than one C:time-range or C:text-match", name)
			}
			tm, err := parseTextMatch(c)
			if err != nil {
				return f, err
			}
			f.TextMatch, others = tm, true
		case nameParamFilter:
			pf, err := parseParamFilter(c)
			if err != nil {
				return f, err
			}
			f.ParamFilters, others = append(f.ParamFilters, pf), true
		}
	}
	if f.IsNotDefined && others {
		return f, invalidFilter("C:is-not-defined with other tests in C:prop-filter %s", name)
	}
	return f, nil
}

func parseParamFilter(e *Element) (ParamFilter, error) {
	var f ParamFilter
	name, ok := nameOf(e)
	if !ok {
		return f, invalidFilter("C:param-filter without name")
	}
	f.Name = name
	for _, c := range e.Children {
		switch c.Name {
		case nameIsNotDefined:
			f.IsNotDefined = true
		case nameTextMatch:
			if f.TextMatch != nil {
				return f, invalidFilter("C:param-filter %s: more than one C:text-match", name)
			}
			tm, err := parseTextMatch(c)
			if err != nil {
				return f, err
			}
			f.TextMatch = tm
		}
	}
	if f.IsNotDefined && f.TextMatch != nil {
		return f, invalidFilter("C:is-not-defined with C:text-match in C:param-filter %s", name)
	}
	return f, nil
}

func parseTextMatch(e *Element) (*TextMatch, error) {
	tm := &TextMatch{Text: e.TextContent(), Collation: "i;ascii-casemap"}
	if v, ok := e.attr("collation"); ok && strings.TrimSpace(v) != "" {
		tm.Collation = strings.TrimSpace(v)
	}
	neg, err := yesNo(e, "negate-condition")
	if err != nil {
		return nil, invalidFilter("C:text-match: %v", err)
	}
	tm.NegateCondition = neg
	return tm, nil
}

// CalendarMultiget is a C:calendar-multiget REPORT body (RFC 4791 §7.9).
type CalendarMultiget struct {
	// Prop is the property selection.
	Prop PropRequest
	// Hrefs are the DAV:href values, trimmed but not decoded (see
	// DecodeHref), in document order.
	Hrefs []string
}

// DecodeCalendarMultiget decodes a C:calendar-multiget REPORT body.
func DecodeCalendarMultiget(r io.Reader) (*CalendarMultiget, error) {
	root, err := parseRoot(r, ReportCalendarMultiget)
	if err != nil {
		return nil, err
	}
	m := &CalendarMultiget{}
	if m.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	m.Hrefs, err = hrefs(root)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// hrefs returns the trimmed texts of the DAV:href children of e.
func hrefs(e *Element) ([]string, error) {
	var out []string
	for _, c := range e.Children {
		if c.Name == nameHref {
			h := trimmedText(c)
			if h == "" {
				return nil, malformed("empty DAV:href")
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// FreeBusyQuery is a C:free-busy-query REPORT body (RFC 4791 §7.10).
type FreeBusyQuery struct {
	// TimeRange is the requested range; Start or End may be zero
	// (unbounded), not both.
	TimeRange TimeRange
}

// DecodeFreeBusyQuery decodes a C:free-busy-query REPORT body.
func DecodeFreeBusyQuery(r io.Reader) (*FreeBusyQuery, error) {
	root, err := parseRoot(r, ReportFreeBusyQuery)
	if err != nil {
		return nil, err
	}
	var tr *TimeRange
	for _, c := range root.Children {
		if c.Name == nameTimeRange {
			if tr != nil {
				return nil, malformed("more than one C:time-range")
			}
			if tr, err = parseTimeRangeAttrs(c); err != nil {
				return nil, malformed("C:time-range: %v", err)
			}
		}
	}
	if tr == nil {
		return nil, malformed("C:free-busy-query without C:time-range")
	}
	return &FreeBusyQuery{TimeRange: *tr}, nil
}

// SyncCollection is a DAV:sync-collection REPORT body (RFC 6578 §6.1).
type SyncCollection struct {
	// SyncToken is the client's token, "" for an initial synchronization.
	SyncToken string
	// SyncLevel is "1", "infinite", or "" when the element is missing
	// (some clients omit it; treat as "1").
	SyncLevel string
	// Limit is the DAV:limit/DAV:nresults value, 0 if absent.
	Limit int
	// Prop is the property selection.
	Prop PropRequest
}

// DecodeSyncCollection decodes a DAV:sync-collection REPORT body.
func DecodeSyncCollection(r io.Reader) (*SyncCollection, error) {
	root, err := parseRoot(r, ReportSyncCollection)
	if err != nil {
		return nil, err
	}
	s := &SyncCollection{}
	hasToken := false
	for _, c := range root.Children {
		switch c.Name {
		case DAVName("sync-token"):
			if hasToken {
				return nil, malformed("more than one DAV:sync-token")
			}
			hasToken = true
			s.SyncToken = trimmedText(c)
		case DAVName("sync-level"):
			switch v := trimmedText(c); v {
			case "1", "infinite":
				s.SyncLevel = v
			default:
				return nil, malformed("DAV:sync-level %q", v)
			}
		case DAVName("limit"):
			if s.Limit, err = nresults(c, DAVName("nresults")); err != nil {
				return nil, err
			}
		}
	}
	if !hasToken {
		return nil, malformed("DAV:sync-collection without DAV:sync-token")
	}
	if s.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	return s, nil
}

// nresults reads the positive integer of the nresults child of a limit
// element.
func nresults(limit *Element, name xml.Name) (int, error) {
	nr := limit.Child(name)
	if nr == nil {
		return 0, malformed("%s:limit without nresults", limit.Name.Local)
	}
	n, err := strconv.Atoi(trimmedText(nr))
	if err != nil || n <= 0 {
		return 0, malformed("nresults %q is not a positive integer", trimmedText(nr))
	}
	return n, nil
}

// ExpandProperty is one DAV:property of a DAV:expand-property REPORT
// (RFC 3253 §3.8): a property to return and, for properties holding
// hrefs, the properties of the referenced resources to return in turn.
type ExpandProperty struct {
	// Name is the property name; the namespace defaults to DAV:.
	Name xml.Name
	// Children are the nested DAV:property elements.
	Children []ExpandProperty
}

// DecodeExpandProperty decodes a DAV:expand-property REPORT body and
// returns its top-level properties.
func DecodeExpandProperty(r io.Reader) ([]ExpandProperty, error) {
	root, err := parseRoot(r, ReportExpandProperty)
	if err != nil {
		return nil, err
	}
	return expandProps(root)
}

func expandProps(e *Element) ([]ExpandProperty, error) {
	var out []ExpandProperty
	for _, c := range e.Children {
		if c.Name != DAVName("property") {
			continue
		}
		name, _ := c.attr("name")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, malformed("DAV:property without name")
		}
		space, ok := c.attr("namespace")
		if !ok {
			space = NSDAV
		}
		children, err := expandProps(c)
		if err != nil {
			return nil, err
		}
		out = append(out, ExpandProperty{Name: xml.Name{Space: strings.TrimSpace(space), Local: name}, Children: children})
	}
	return out, nil
}
