package ical

import (
	"fmt"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// Info is the index summary of one calendar object resource.
type Info struct {
	UID       string
	Component string // "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY" or "VAVAILABILITY"
	HasMaster bool   // false when the resource holds only RECURRENCE-ID overrides (valid in CalDAV)
	Recurring bool   // RRULE or RDATE on the master, or overrides present
	Organizer string // ORGANIZER value as written, "" if none
	Sequence  int
	Status    string // master (or first) component STATUS, upper-case, "" if none
	// Transparent is TRANSP:TRANSPARENT on the master (or first) component.
	Transparent bool
	// Start and End are the master's DTSTART and effective end (DTEND,
	// DTSTART+DURATION or the RFC 4791 §9.9 default); zero if absent.
	Start, End       time.Time
	AllDay, Floating bool
	// FirstStart and LastEnd span the whole series, overrides and RDATEs
	// included; LastEnd is MaxTime for an unbounded series (or one with
	// more than Options.MaxInstances occurrences). A series whose rule
	// yields no occurrence at all gets Start and End here.
	FirstStart, LastEnd time.Time
	Timezones           []string // TZIDs referenced, in order of appearance
}

// Inspect validates cal as a calendar object resource (RFC 4791 §4.1) and
// returns its index summary. It rejects METHOD, a missing or mixed
// component type, several UIDs, a missing UID, several masters or repeated
// RECURRENCE-IDs, a VEVENT without DTSTART and rules whose expansion
// exceeds the budget. Errors are *Error. RFC 5545 violations that
// producers commit and that do not make the data ambiguous are accepted:
// DTEND together with DURATION (DTEND wins), DTEND before DTSTART (zero
// length), TZIDs without VTIMEZONE when ResolveTZID knows the name; a TZID
// without VTIMEZONE that names no known zone is refused with
// CondValidTimezone (RFC 7809).
//
// iTIP messages (METHOD) are not resources: strip METHOD first (SplitByUID
// does) when importing them.
func Inspect(cal *goical.Calendar, opts Options) (*Info, error) {
	info, _, _, err := inspect(cal, newCtx(cal, opts))
	return info, err
}

// InspectExpand is Inspect followed by Expand(cal, zero, end, opts), in one
// pass where it can: a bounded series ending before end was expanded whole
// to find its span, and those occurrences are the answer. Writing an
// object needs both; expanding twice doubled the cost of every recurring
// PUT.
func InspectExpand(cal *goical.Calendar, end time.Time, opts Options) (*Info, []Instance, error) {
	c := newCtx(cal, opts)
	info, spanned, complete, err := inspect(cal, c)
	if err != nil {
		return nil, nil, err
	}
	if complete && !info.LastEnd.After(end) {
		out := append([]Instance(nil), spanned...)
		sortInstances(out)
		return info, out, nil
	}
	ins, err := Expand(cal, time.Time{}, end, opts)
	return info, ins, err
}

// inspect implements Inspect; it also returns the occurrences it expanded
// to find the span, complete when they are all of them.
func inspect(cal *goical.Calendar, c *ctx) (*Info, []Instance, bool, error) {
	comps, err := objectComponents(cal)
	if err != nil {
		return nil, nil, false, err
	}
	info := &Info{Component: comps[0].Name}
	if err := checkOneObject(comps, info); err != nil {
		return nil, nil, false, err
	}
	all, err := collectSeries(cal)
	if err != nil {
		return nil, nil, false, err
	}
	s := all[0]
	c.summarize(s, info)
	spanned, complete, err := c.span(s, info)
	if err != nil {
		return nil, nil, false, err
	}
	info.Timezones = referencedTZIDs(comps)
	if err := checkTimezones(cal, info.Timezones); err != nil {
		return nil, nil, false, err
	}
	return info, spanned, complete, nil
}

// checkTimezones refuses a TZID that has no VTIMEZONE in cal and names no
// zone ResolveTZID knows (RFC 7809: a server that lets clients leave
// VTIMEZONEs out must know the zone referenced, else valid-timezone).
// Evaluating it as floating time would store an event at a time nobody
// meant and hand clients a TZID they cannot resolve either.
func checkTimezones(cal *goical.Calendar, tzids []string) error {
	for _, tz := range tzids {
		if findVTimezone(cal, tz) != nil {
			continue
		}
		if _, err := ResolveTZID(nil, tz); err != nil {
			return &Error{Condition: CondValidTimezone,
				Reason: fmt.Sprintf("TZID %q is not a known time zone and the object has no VTIMEZONE for it", tz)}
		}
	}
	return nil
}

// objectComponents checks the VCALENDAR of a calendar object resource
// (RFC 4791 §4.1: no METHOD; besides VTIMEZONEs with a TZID and X-
// components, only components of the calendar kinds, at least one) and
// returns those components.
func objectComponents(cal *goical.Calendar) ([]*goical.Component, error) {
	if cal == nil || cal.Component == nil || cal.Name != "VCALENDAR" {
		return nil, &Error{Condition: CondValidData, Reason: "not a VCALENDAR object"}
	}
	if cal.Props.Get("METHOD") != nil {
		return nil, objErr("METHOD is not allowed in a calendar object resource")
	}
	var comps []*goical.Component
	for _, comp := range cal.Children {
		switch {
		case comp.Name == "VTIMEZONE":
			if p := comp.Props.Get("TZID"); p == nil || strings.TrimSpace(p.Value) == "" {
				return nil, &Error{Condition: CondValidData, Reason: "VTIMEZONE without TZID"}
			}
		case isSchedulable(comp.Name):
			comps = append(comps, comp)
		case strings.HasPrefix(comp.Name, "X-"):
			// Experimental components are kept and ignored.
		default:
			return nil, objErr("component %s is not allowed at the top level of a calendar object", comp.Name)
		}
	}
	if len(comps) == 0 {
		return nil, objErr("calendar object holds no VEVENT, VTODO, VJOURNAL or VFREEBUSY")
	}
	return comps, nil
}

// checkOneObject checks that comps make one object (RFC 4791 §4.1): one
// component type, one UID (set in info), each RECURRENCE-ID once, and a
// DTSTART on every VEVENT.
func checkOneObject(comps []*goical.Component, info *Info) error {
	rids := map[string]bool{}
	for _, comp := range comps {
		if comp.Name != info.Component {
			return objErr("calendar object mixes %s and %s components", info.Component, comp.Name)
		}
		uid := ""
		if p := comp.Props.Get("UID"); p != nil {
			uid = strings.TrimSpace(p.Value)
		}
		if uid == "" {
			return &Error{Condition: CondValidData, Reason: comp.Name + " has no UID"}
		}
		if info.UID == "" {
			info.UID = uid
		} else if uid != info.UID {
			return objErr("calendar object holds more than one UID (%q and %q)", info.UID, uid)
		}
		if comp.Name == "VEVENT" && comp.Props.Get("DTSTART") == nil {
			return &Error{Condition: CondValidData, Reason: "VEVENT has no DTSTART"}
		}
		if p := comp.Props.Get("RECURRENCE-ID"); p != nil {
			k := strings.TrimSpace(p.Value) + "\x00" + p.Params.Get("TZID")
			if rids[k] {
				return objErr("RECURRENCE-ID %s appears twice", p.Value)
			}
			rids[k] = true
		}
	}
	return nil
}

// summarize fills what info says of the object as a whole from its
// master, or from its first override when it has none (a resource of
// overrides only): organizer, sequence, status, transparency, and the
// master's start, end and kind of time.
func (c *ctx) summarize(s *series, info *Info) {
	main := s.master
	info.HasMaster = main != nil
	if main == nil {
		main = s.overrides[0]
	}
	info.Recurring = len(s.overrides) > 0 || s.master != nil && (s.master.rule != nil || s.master.comp.Props.Get("RDATE") != nil)
	if p := main.comp.Props.Get("ORGANIZER"); p != nil {
		info.Organizer = p.Value
	}
	if p := main.comp.Props.Get("SEQUENCE"); p != nil {
		info.Sequence, _ = atoiN(strings.TrimSpace(p.Value))
	}
	info.Status, info.Transparent = main.status, main.transparent
	if a, ok := main.anchor(); ok {
		loc := c.loc(a)
		info.AllDay, info.Floating = a.date, a.floating() && !a.date
		st := wallToAbs(a.wall, loc)
		if main.hasStart {
			info.Start = st.UTC()
		}
		info.End = c.endFor(main, a.wall, st, loc).UTC()
	}
}

// span fills FirstStart and LastEnd. Unbounded series need only their
// first occurrence; bounded ones are expanded (up to MaxInstances). It
// returns the occurrences it expanded, complete when they are all.
func (c *ctx) span(s *series, info *Info) ([]Instance, bool, error) {
	unbounded := s.master != nil && s.master.rule != nil && s.master.rule.count == 0 && s.master.rule.until == nil
	limit := c.opts.MaxInstances
	if unbounded {
		limit = 1
	}
	ins, truncated, err := c.expandSeries(s, time.Time{}, time.Time{}, limit)
	if err != nil {
		return nil, false, err
	}
	if len(ins) == 0 {
		info.FirstStart, info.LastEnd = info.Start, info.End
		if unbounded {
			info.LastEnd = MaxTime
		}
		return nil, !unbounded, nil
	}
	info.FirstStart, info.LastEnd = ins[0].Start, ins[0].End
	for _, in := range ins {
		if in.Start.Before(info.FirstStart) {
			info.FirstStart = in.Start
		}
		if in.End.After(info.LastEnd) {
			info.LastEnd = in.End
		}
	}
	if unbounded || truncated {
		info.LastEnd = MaxTime
	}
	return ins, !unbounded && !truncated, nil
}

// tzProps are the properties whose TZID parameter names a zone.
var tzProps = []string{"DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE"}

func referencedTZIDs(comps []*goical.Component) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*goical.Component)
	walk = func(comp *goical.Component) {
		for _, name := range tzProps {
			for _, p := range comp.Props.Values(name) {
				if tz := p.Params.Get("TZID"); tz != "" && !seen[tz] {
					seen[tz] = true
					out = append(out, tz)
				}
			}
		}
		for _, ch := range comp.Children {
			walk(ch)
		}
	}
	for _, comp := range comps {
		walk(comp)
	}
	return out
}
