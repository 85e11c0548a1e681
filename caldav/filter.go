package caldav

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// Collations of C:text-match (RFC 4791 §7.5, RFC 4790, RFC 5051); the
// first is the default.
var collations = map[string]bool{"i;ascii-casemap": true, "i;octet": true, "i;unicode-casemap": true}

// checkFilter enforces what the XML decoder cannot: supported collations
// (CALDAV:supported-collation), components where RFC 5545 puts them and
// time ranges only where RFC 4791 §9.9 gives them a meaning
// (CALDAV:valid-filter, filter_valid.go). parent is the name of the
// enclosing comp-filter, "" for the top level.
func checkFilter(f *dx.CompFilter, parent string) error {
	if parent != "" && f.Name == "VCALENDAR" {
		return conditionf(http.StatusForbidden, condValidFilter, "VCALENDAR may only be the top-level comp-filter")
	}
	if parent != "" {
		if err := checkNesting(parent, f.Name); err != nil {
			return err
		}
	}
	if f.TimeRange != nil {
		if err := checkCompTimeRange(f.Name); err != nil {
			return err
		}
	}
	for i := range f.PropFilters {
		if err := checkPropFilter(&f.PropFilters[i]); err != nil {
			return err
		}
	}
	for i := range f.CompFilters {
		if err := checkFilter(&f.CompFilters[i], f.Name); err != nil {
			return err
		}
	}
	return nil
}

// checkPropFilter checks a prop-filter's time-range and collations.
func checkPropFilter(pf *dx.PropFilter) error {
	if pf.TimeRange != nil {
		if err := checkPropTimeRange(pf.Name); err != nil {
			return err
		}
	}
	if err := checkCollation(pf.TextMatch); err != nil {
		return err
	}
	for j := range pf.ParamFilters {
		if err := checkCollation(pf.ParamFilters[j].TextMatch); err != nil {
			return err
		}
	}
	return nil
}

func checkCollation(tm *dx.TextMatch) error {
	if tm != nil && !collations[tm.Collation] {
		return conditionf(http.StatusForbidden, condSupportedCollation, "collation %q is not supported", tm.Collation)
	}
	return nil
}

// filterEval evaluates a calendar-query filter (RFC 4791 §9.7) on one
// parsed calendar object. Floating times are read in opts.Floating.
type filterEval struct {
	cal  *goical.Calendar
	opts ical.Options
}

// matchFilter reports whether cal satisfies the top-level VCALENDAR
// comp-filter f.
func matchFilter(cal *goical.Calendar, f *dx.CompFilter, opts ical.Options) bool {
	e := &filterEval{cal: cal, opts: opts}
	return e.body(f, cal.Component, nil)
}

// body applies the prop-filters and nested comp-filters of f to comp, a
// component already selected by name (and time range). in is the
// occurrence comp stands for when the filter is evaluated per instance.
func (e *filterEval) body(f *dx.CompFilter, comp *goical.Component, in *ical.Instance) bool {
	for i := range f.PropFilters {
		if !e.prop(&f.PropFilters[i], comp, in) {
			return false
		}
	}
	for i := range f.CompFilters {
		if !e.child(&f.CompFilters[i], comp, in) {
			return false
		}
	}
	return true
}

// child reports whether parent has a sub-component satisfying f (none at
// all for is-not-defined).
func (e *filterEval) child(f *dx.CompFilter, parent *goical.Component, in *ical.Instance) bool {
	var kids []*goical.Component
	for _, c := range parent.Children {
		if c.Name == f.Name {
			kids = append(kids, c)
		}
	}
	if f.IsNotDefined || len(kids) == 0 {
		return f.IsNotDefined && len(kids) == 0
	}
	if parent.Name == "VCALENDAR" && isObjectComponent(f.Name) {
		// Recurring components are tested occurrence by occurrence: a
		// master or override matches when one of its instances does.
		return e.instances(f)
	}
	for _, k := range kids {
		if f.TimeRange != nil && !ical.Overlaps(spanKind(k.Name), e.subSpan(k, parent, in), f.TimeRange.Start, f.TimeRange.End) {
			continue
		}
		if e.body(f, k, in) {
			return true
		}
	}
	return false
}

// isObjectComponent reports the top-level components whose occurrences
// ical.Expand produces.
func isObjectComponent(name string) bool {
	switch name {
	case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY":
		return true
	}
	return false
}

// spanKind is the §9.9 row a nested component is tested by: its own for
// VALARM, the VEVENT rule for any other (AVAILABLE, X- components).
func spanKind(name string) string {
	if name == "VALARM" {
		return "VALARM"
	}
	return "VEVENT"
}

// instances reports whether an occurrence of a top-level component named
// f.Name satisfies f.
func (e *filterEval) instances(f *dx.CompFilter) bool {
	start, end := e.window(f)
	// A budget error still returns the occurrences found so far.
	ins, _ := ical.Expand(e.cal, start, end, e.opts)
	for i := range ins {
		in := &ins[i]
		if in.Component.Name != f.Name {
			continue
		}
		if f.TimeRange != nil && !ical.Overlaps(f.Name, in.Span(), f.TimeRange.Start, f.TimeRange.End) {
			continue
		}
		if e.body(f, in.Component, in) {
			return true
		}
	}
	return false
}

// window is the range to expand a top-level component in: its own time
// range, else the ranges of nested comp-filters (VALARM) widened by how
// far a relative trigger reaches from its occurrence; open when a nested
// range is open or an absolute trigger makes any occurrence relevant.
func (e *filterEval) window(f *dx.CompFilter) (time.Time, time.Time) {
	if f.TimeRange != nil {
		return f.TimeRange.Start, f.TimeRange.End
	}
	var start, end time.Time
	found, open := false, false
	var walk func(cf *dx.CompFilter)
	walk = func(cf *dx.CompFilter) {
		for i := range cf.CompFilters {
			c := &cf.CompFilters[i]
			if tr := c.TimeRange; tr != nil {
				open = open || tr.Start.IsZero() || tr.End.IsZero()
				if !found || tr.Start.Before(start) {
					start = tr.Start
				}
				if !found || tr.End.After(end) {
					end = tr.End
				}
				found = true
			}
			walk(c)
		}
	}
	walk(f)
	reach, absolute := alarmReach(e.cal.Component)
	if !found || open || absolute {
		return time.Time{}, time.Time{}
	}
	return start.Add(-reach), end.Add(reach)
}

// alarmReach returns the largest distance between an occurrence and one
// of its relative alarm triggers (repetitions included) plus a day of
// slack for DATE values, and whether any trigger is absolute.
func alarmReach(c *goical.Component) (time.Duration, bool) {
	reach, absolute := 24*time.Hour, false
	for _, ch := range c.Children {
		r, a := alarmReach(ch)
		reach, absolute = max(reach, r), absolute || a
		if ch.Name != "VALARM" {
			continue
		}
		p := ch.Props.Get("TRIGGER")
		if p == nil {
			continue
		}
		d, ok := ical.ParseDurationValue(p.Value)
		if !ok {
			absolute = true
			continue
		}
		d = d.Abs()
		if rp, dp := ch.Props.Get("REPEAT"), ch.Props.Get("DURATION"); rp != nil && dp != nil {
			if rd, ok := ical.ParseDurationValue(dp.Value); ok {
				d += time.Duration(atoiOr(rp.Value, 0)) * rd.Abs()
			}
		}
		reach = max(reach, d+24*time.Hour)
	}
	return reach, absolute
}

// subSpan is the §9.9 span of a nested component: the trigger times of a
// VALARM within its parent's occurrence, else its own DTSTART/DTEND.
func (e *filterEval) subSpan(k, parent *goical.Component, in *ical.Instance) ical.Span {
	if k.Name == "VALARM" {
		occ := ical.Instance{}
		if in != nil {
			occ = *in
		} else {
			s := e.ownSpan(parent)
			occ.Start, occ.End = s.Start, s.End
		}
		return ical.AlarmSpan(k, occ)
	}
	return e.ownSpan(k)
}

// ownSpan reads a component's own DTSTART (or DUE) and DTEND or DURATION.
func (e *filterEval) ownSpan(c *goical.Component) ical.Span {
	var sp ical.Span
	p := c.Props.Get("DTSTART")
	if p == nil {
		p = c.Props.Get("DUE")
	}
	if p == nil {
		return sp
	}
	t, date, ok := e.propTime(p, p.Value)
	if !ok {
		return sp
	}
	sp.Start, sp.End, sp.AllDay = t, t, date
	if date {
		sp.End = t.AddDate(0, 0, 1)
	}
	if q := c.Props.Get("DTEND"); q != nil {
		if end, _, ok := e.propTime(q, q.Value); ok {
			sp.End, sp.HasEnd = end, true
		}
	} else if q := c.Props.Get("DURATION"); q != nil {
		if d, ok := ical.ParseDurationValue(q.Value); ok {
			sp.End, sp.HasDuration = t.Add(d), true
		}
	}
	return sp
}

// prop reports whether comp satisfies a prop-filter: for is-not-defined,
// no such property; otherwise one instance of the property passing every
// test (so ATTENDEE text and PARTSTAT must match on the same attendee).
func (e *filterEval) prop(f *dx.PropFilter, comp *goical.Component, in *ical.Instance) bool {
	props := comp.Props.Values(f.Name)
	if f.IsNotDefined {
		return len(props) == 0
	}
	for i := range props {
		if e.propOK(f, &props[i], in) {
			return true
		}
	}
	return false
}

func (e *filterEval) propOK(f *dx.PropFilter, p *goical.Prop, in *ical.Instance) bool {
	if f.TimeRange != nil && !e.propInRange(p, in, f.TimeRange) {
		return false
	}
	if f.TextMatch != nil && !textMatch(f.TextMatch, ical.UnescapeText(p.Value)) {
		return false
	}
	for i := range f.ParamFilters {
		if !paramMatch(&f.ParamFilters[i], p) {
			return false
		}
	}
	return true
}

// propInRange tests a DATE or DATE-TIME property against a time range:
// a DATE-TIME is an instant (start <= t < end), a DATE a whole day. Within
// an occurrence, DTSTART, DTEND/DUE and RECURRENCE-ID are that
// occurrence's values rather than the master's.
func (e *filterEval) propInRange(p *goical.Prop, in *ical.Instance, tr *dx.TimeRange) bool {
	if in != nil {
		var t time.Time
		switch p.Name {
		case "DTSTART":
			t = in.Start
		case "DTEND", "DUE":
			t = in.End
		case "RECURRENCE-ID":
			t = in.RecurrenceID
		}
		if !t.IsZero() {
			return instantIn(t, tr)
		}
	}
	for _, v := range strings.Split(p.Value, ",") {
		t, date, ok := e.propTime(p, v)
		switch {
		case !ok:
		case date && (tr.Start.IsZero() || tr.Start.Before(t.AddDate(0, 0, 1))) && (tr.End.IsZero() || tr.End.After(t)):
			return true
		case !date && instantIn(t, tr):
			return true
		}
	}
	return false
}

func instantIn(t time.Time, tr *dx.TimeRange) bool {
	return (tr.Start.IsZero() || !tr.Start.After(t)) && (tr.End.IsZero() || tr.End.After(t))
}

// propTime parses one DATE or DATE-TIME value of p: UTC, in its TZID
// (resolved with the object's VTIMEZONEs), or floating in opts.Floating.
func (e *filterEval) propTime(p *goical.Prop, v string) (time.Time, bool, bool) {
	loc := e.opts.Floating
	if loc == nil {
		loc = time.UTC
	}
	if tzid := p.Params.Get("TZID"); tzid != "" {
		if l, err := ical.ResolveTZID(e.cal, tzid); err == nil {
			loc = l
		}
	}
	return ical.ParseTimeValue(strings.TrimSpace(v), loc)
}

// paramMatch applies a param-filter to one property.
func paramMatch(f *dx.ParamFilter, p *goical.Prop) bool {
	vals := p.Params.Values(f.Name)
	if f.IsNotDefined || len(vals) == 0 {
		return f.IsNotDefined && len(vals) == 0
	}
	if f.TextMatch == nil {
		return true
	}
	for _, v := range vals {
		if textMatch(f.TextMatch, v) {
			return true
		}
	}
	return false
}

// textMatch is the substring test of C:text-match under its collation,
// inverted by negate-condition (RFC 4791 §9.7.5).
func textMatch(tm *dx.TextMatch, s string) bool {
	var ok bool
	switch tm.Collation {
	case "i;octet":
		ok = strings.Contains(s, tm.Text)
	case "i;unicode-casemap":
		ok = strings.Contains(unicodeFold(s), unicodeFold(tm.Text))
	default: // i;ascii-casemap folds only A-Z (RFC 4790 §9.2)
		ok = strings.Contains(asciiLower(s), asciiLower(tm.Text))
	}
	return ok != tm.NegateCondition
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// unicodeFold approximates RFC 5051's i;unicode-casemap: full case
// folding, then compatibility decomposition, so "Ä" matches "ä" and "ﬁ"
// matches "fi".
func unicodeFold(s string) string {
	return norm.NFKD.String(cases.Fold().String(norm.NFKD.String(s)))
}

// atoiOr parses a decimal integer, def when it is not one.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
