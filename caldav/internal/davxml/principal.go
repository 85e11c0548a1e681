package davxml

import (
	"encoding/xml"
	"io"
	"strings"
)

// PrincipalPropertySearch is a DAV:principal-property-search REPORT body
// (RFC 3744 §9.4), with Apple's test and match-type extensions.
type PrincipalPropertySearch struct {
	// Searches are the DAV:property-search elements.
	Searches []PropertySearch
	// AnyOf is true for test="anyof": a principal matches if any search
	// matches. The default (test="allof" or absent) requires all.
	AnyOf bool
	// ApplyToPrincipalCollectionSet is true when
	// DAV:apply-to-principal-collection-set is present.
	ApplyToPrincipalCollectionSet bool
	// Prop is the property selection for the results.
	Prop PropRequest
}

// PropertySearch is one DAV:property-search: the properties to look in
// and the string to match.
type PropertySearch struct {
	// Props are the properties searched.
	Props []xml.Name
	// Match is the DAV:match text, trimmed.
	Match string
	// MatchType is the match-type attribute ("contains", "starts-with",
	// "ends-with", "equals"); it defaults to "contains", the RFC 3744
	// semantics (case-insensitive substring).
	MatchType string
}

// DecodePrincipalPropertySearch decodes a DAV:principal-property-search
// REPORT body.
func DecodePrincipalPropertySearch(r io.Reader) (*PrincipalPropertySearch, error) {
	root, err := parseRoot(r, ReportPrincipalPropertySearch)
	if err != nil {
		return nil, err
	}
	s := &PrincipalPropertySearch{}
	if v, ok := root.attr("test"); ok {
		switch strings.TrimSpace(v) {
		case "anyof":
			s.AnyOf = true
		case "allof", "":
		default:
			return nil, malformed("test=%q, want anyof or allof", v)
		}
	}
	for _, c := range root.Children {
		switch c.Name {
		case DAVName("property-search"):
			ps := PropertySearch{MatchType: "contains"}
			prop := c.Child(nameProp)
			match := c.Child(DAVName("match"))
			if prop == nil || match == nil {
				return nil, malformed("DAV:property-search needs DAV:prop and DAV:match")
			}
			ps.Props = propNames(prop)
			if len(ps.Props) == 0 {
				return nil, malformed("DAV:property-search with an empty DAV:prop")
			}
			ps.Match = trimmedText(match)
			if v, ok := match.attr("match-type"); ok && strings.TrimSpace(v) != "" {
				ps.MatchType = strings.TrimSpace(v)
			}
			s.Searches = append(s.Searches, ps)
		case DAVName("apply-to-principal-collection-set"):
			s.ApplyToPrincipalCollectionSet = true
		}
	}
	if len(s.Searches) == 0 {
		return nil, malformed("DAV:principal-property-search without DAV:property-search")
	}
	if s.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	return s, nil
}

// DecodePrincipalSearchPropertySet checks a
// DAV:principal-search-property-set REPORT body (RFC 3744 §9.5), which
// carries no parameters.
func DecodePrincipalSearchPropertySet(r io.Reader) error {
	_, err := parseRoot(r, ReportPrincipalSearchPropSet)
	return err
}

// CalendarServerPrincipalSearch is Apple's
// CS:calendarserver-principal-search REPORT body.
type CalendarServerPrincipalSearch struct {
	// Context is the context attribute ("attendee", "location",
	// "resource", or "" for any).
	Context string
	// Tokens are the CS:search-token texts, trimmed, empty ones dropped.
	Tokens []string
	// Limit is the CS:limit/CS:nresults value, 0 if absent.
	Limit int
	// Prop is the property selection for the results.
	Prop PropRequest
}

// DecodeCalendarServerPrincipalSearch decodes a
// CS:calendarserver-principal-search REPORT body.
func DecodeCalendarServerPrincipalSearch(r io.Reader) (*CalendarServerPrincipalSearch, error) {
	root, err := parseRoot(r, ReportCalendarServerPrincipals)
	if err != nil {
		return nil, err
	}
	s := &CalendarServerPrincipalSearch{}
	if v, ok := root.attr("context"); ok {
		s.Context = strings.TrimSpace(v)
	}
	for _, c := range root.Children {
		switch c.Name {
		case CSName("search-token"):
			if t := trimmedText(c); t != "" {
				s.Tokens = append(s.Tokens, t)
			}
		case CSName("limit"):
			if s.Limit, err = nresults(c, CSName("nresults")); err != nil {
				return nil, err
			}
		}
	}
	if s.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	return s, nil
}

// PrincipalMatch is a DAV:principal-match REPORT body (RFC 3744 §9.3).
type PrincipalMatch struct {
	// Self is true for DAV:self: find the resources that are the current
	// principal (or a group it belongs to).
	Self bool
	// PrincipalProperty names the property (in DAV:principal-property)
	// whose href values are compared with the current principal, when
	// Self is false.
	PrincipalProperty xml.Name
	// Prop is the property selection for the results.
	Prop PropRequest
}

// DecodePrincipalMatch decodes a DAV:principal-match REPORT body.
func DecodePrincipalMatch(r io.Reader) (*PrincipalMatch, error) {
	root, err := parseRoot(r, ReportPrincipalMatch)
	if err != nil {
		return nil, err
	}
	m := &PrincipalMatch{}
	n := 0
	for _, c := range root.Children {
		switch c.Name {
		case DAVName("self"):
			m.Self = true
			n++
		case DAVName("principal-property"):
			names := propNames(c)
			if len(names) != 1 {
				return nil, malformed("DAV:principal-property must name one property")
			}
			m.PrincipalProperty = names[0]
			n++
		}
	}
	if n != 1 {
		return nil, malformed("DAV:principal-match needs exactly one of DAV:self and DAV:principal-property")
	}
	if m.Prop, err = parsePropRequest(root); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeACLPrincipalPropSet decodes a DAV:acl-principal-prop-set REPORT
// body (RFC 3744 §9.2) and returns its property selection.
func DecodeACLPrincipalPropSet(r io.Reader) (*PropRequest, error) {
	root, err := parseRoot(r, ReportACLPrincipalPropSet)
	if err != nil {
		return nil, err
	}
	p, err := parsePropRequest(root)
	if err != nil {
		return nil, err
	}
	return &p, nil
}
