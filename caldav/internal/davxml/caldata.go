package davxml

import (
	"strings"
	"time"
)

// TimeRange is a time interval from a time-range, expand,
// limit-recurrence-set or limit-freebusy-set element. A zero Start or End
// means the interval is unbounded on that side (allowed only in
// C:time-range).
type TimeRange struct {
	// Start is the inclusive start, in UTC; zero if unbounded.
	Start time.Time
	// End is the exclusive end, in UTC; zero if unbounded.
	End time.Time
}

// CalendarDataRequest is a C:calendar-data element inside a DAV:prop of a
// request (RFC 4791 §9.6): which media type to return and how to subset or
// expand the data.
type CalendarDataRequest struct {
	// ContentType defaults to "text/calendar".
	ContentType string
	// Version defaults to "2.0".
	Version string
	// Comp is the component subsetting tree (rooted at VCALENDAR), or nil
	// for the whole data.
	Comp *CompRequest
	// Expand asks for recurrences expanded within the range (C:expand).
	Expand *TimeRange
	// LimitRecurrenceSet asks for the overridden instances limited to the
	// range (C:limit-recurrence-set).
	LimitRecurrenceSet *TimeRange
	// LimitFreeBusySet asks for FREEBUSY values limited to the range
	// (C:limit-freebusy-set).
	LimitFreeBusySet *TimeRange
}

// CompRequest is a C:comp element of a calendar-data request.
type CompRequest struct {
	// Name is the component name, upper-cased (e.g. "VEVENT").
	Name string
	// AllProp is true for C:allprop: every property is returned.
	AllProp bool
	// Props lists the properties to return when AllProp is false.
	Props []PropSpec
	// AllComp is true for C:allcomp: every sub-component is returned.
	AllComp bool
	// Comps lists the sub-components to return when AllComp is false.
	Comps []CompRequest
}

// PropSpec is a C:prop element of a calendar-data request.
type PropSpec struct {
	// Name is the property name, upper-cased (e.g. "SUMMARY").
	Name string
	// NoValue asks for the property without its value (novalue="yes").
	NoValue bool
}

var (
	nameComp    = CalDAVName("comp")
	nameCProp   = CalDAVName("prop")
	nameAllComp = CalDAVName("allcomp")
	nameCAllPro = CalDAVName("allprop")
)

func parseCalendarDataRequest(e *Element) (*CalendarDataRequest, error) {
	req := &CalendarDataRequest{ContentType: "text/calendar", Version: "2.0"}
	if v, ok := e.attr("content-type"); ok && strings.TrimSpace(v) != "" {
		req.ContentType = strings.TrimSpace(v)
	}
	if v, ok := e.attr("version"); ok && strings.TrimSpace(v) != "" {
		req.Version = strings.TrimSpace(v)
	}
	for _, c := range e.Children {
		var err error
		switch c.Name {
		case nameComp:
			if req.Comp != nil {
				return nil, malformed("more than one C:comp in C:calendar-data")
			}
			var comp CompRequest
			comp, err = parseCompRequest(c)
			req.Comp = &comp
		case CalDAVName("expand"):
			req.Expand, err = parseBoundedRange(c)
		case CalDAVName("limit-recurrence-set"):
			req.LimitRecurrenceSet, err = parseBoundedRange(c)
		case CalDAVName("limit-freebusy-set"):
			req.LimitFreeBusySet, err = parseBoundedRange(c)
		}
		if err != nil {
			return nil, err
		}
	}
	if req.Expand != nil && req.LimitRecurrenceSet != nil {
		return nil, malformed("C:expand and C:limit-recurrence-set are exclusive")
	}
	return req, nil
}

func parseCompRequest(e *Element) (CompRequest, error) {
	var c CompRequest
	name, ok := e.attr("name")
	if !ok || strings.TrimSpace(name) == "" {
		return c, malformed("C:comp without name")
	}
	c.Name = strings.ToUpper(strings.TrimSpace(name))
	for _, ch := range e.Children {
		switch ch.Name {
		case nameCAllPro:
			c.AllProp = true
		case nameAllComp:
			c.AllComp = true
		case nameCProp:
			pn, ok := ch.attr("name")
			if !ok || strings.TrimSpace(pn) == "" {
				return c, malformed("C:prop without name")
			}
			nv, err := yesNo(ch, "novalue")
			if err != nil {
				return c, err
			}
			c.Props = append(c.Props, PropSpec{Name: strings.ToUpper(strings.TrimSpace(pn)), NoValue: nv})
		case nameComp:
			sub, err := parseCompRequest(ch)
			if err != nil {
				return c, err
			}
			c.Comps = append(c.Comps, sub)
		}
	}
	if c.AllProp && len(c.Props) > 0 {
		return c, malformed("C:allprop with C:prop in C:comp %s", c.Name)
	}
	if c.AllComp && len(c.Comps) > 0 {
		return c, malformed("C:allcomp with C:comp in C:comp %s", c.Name)
	}
	return c, nil
}

// yesNo reads a "yes"/"no" attribute, defaulting to no.
func yesNo(e *Element, attr string) (bool, error) {
	v, ok := e.attr(attr)
	if !ok {
		return false, nil
	}
	switch strings.TrimSpace(v) {
	case "yes":
		return true, nil
	case "no", "":
		return false, nil
	}
	return false, malformed("%s=%q, want yes or no", attr, v)
}

// parseBoundedRange reads the required start and end attributes of
// C:expand, C:limit-recurrence-set or C:limit-freebusy-set.
func parseBoundedRange(e *Element) (*TimeRange, error) {
	tr, err := parseTimeRangeAttrs(e)
	if err != nil {
		return nil, malformed("C:%s: %v", e.Name.Local, err)
	}
	if tr.Start.IsZero() || tr.End.IsZero() {
		return nil, malformed("C:%s needs start and end", e.Name.Local)
	}
	return tr, nil
}

// parseTimeRangeAttrs reads optional start and end UTC attributes; at
// least one must be present and end must be after start.
func parseTimeRangeAttrs(e *Element) (*TimeRange, error) {
	tr := &TimeRange{}
	s, hasS := e.attr("start")
	en, hasE := e.attr("end")
	if !hasS && !hasE {
		return nil, errString("time range without start or end")
	}
	var err error
	if hasS {
		if tr.Start, err = ParseUTCDateTime(strings.TrimSpace(s)); err != nil {
			return nil, err
		}
	}
	if hasE {
		if tr.End, err = ParseUTCDateTime(strings.TrimSpace(en)); err != nil {
			return nil, err
		}
	}
	if hasS && hasE && !tr.End.After(tr.Start) {
		return nil, errString("time range end is not after start")
	}
	return tr, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// nameOf returns the name attribute of e, trimmed and upper-cased.
func nameOf(e *Element) (string, bool) {
	v, ok := e.attr("name")
	v = strings.TrimSpace(v)
	return strings.ToUpper(v), ok && v != ""
}
