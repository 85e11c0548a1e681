package ical

import (
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// Instance is one occurrence of a calendar object.
type Instance struct {
	Start, End   time.Time // UTC; floating and all-day values evaluated in Options.Floating
	RecurrenceID time.Time // UTC original start of this occurrence; zero for a non-recurring object
	Override     bool      // produced by a RECURRENCE-ID component
	AllDay       bool
	Status       string // CONFIRMED/TENTATIVE/CANCELLED/... from the override when there is one, "" if none
	Transparent  bool
	BusyType     string // "BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE" or "FREE" (RFC 4791 §7.10)
	// Component is the component whose properties this occurrence has:
	// the master, an override, or the RANGE=THISANDFUTURE override in
	// force. It is shared, not copied: do not modify it.
	Component *goical.Component

	span Span
}

// Span returns the time information of the instance as Overlaps needs it.
func (in Instance) Span() Span { return in.span }

// series is one UID's master and overrides.
type series struct {
	name      string
	master    *compInfo
	overrides []*compInfo
}

// isSchedulable reports the components whose instances a CalDAV server
// indexes (RFC 4791 §4.1 plus VAVAILABILITY, RFC 7953).
func isSchedulable(name string) bool {
	switch name {
	case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY":
		return true
	}
	return false
}

// collectSeries groups the top-level components of cal by UID.
func collectSeries(cal *goical.Calendar) ([]*series, error) {
	var out []*series
	byUID := map[string]*series{}
	for _, comp := range cal.Children {
		if !isSchedulable(comp.Name) {
			continue
		}
		ci, err := readComp(comp)
		if err != nil {
			return nil, err
		}
		uid := ""
		if p := comp.Props.Get("UID"); p != nil {
			uid = p.Value
		}
		key := comp.Name + "\x00" + uid
		s := byUID[key]
		if s == nil || uid == "" {
			s = &series{name: comp.Name}
			byUID[key] = s
			out = append(out, s)
		}
		if ci.hasRID {
			s.overrides = append(s.overrides, ci)
		} else if s.master == nil {
			s.master = ci
		} else {
			return nil, objErr("more than one %s without RECURRENCE-ID for UID %q", comp.Name, uid)
		}
	}
	return out, nil
}

// Expand returns the occurrences of the object in cal that overlap
// [start, end) by the RFC 4791 §9.9 rules, sorted by Start. A zero start
// or end leaves that side open; with an open end the result is bounded by
// Options.MaxInstances.
//
// It handles RRULE (all of RFC 5545 §3.3.10), RDATE (DATE, DATE-TIME and
// PERIOD), EXDATE (multi-valued and repeated), RECURRENCE-ID overrides
// (moved into or out of the range, RANGE=THISANDFUTURE), DTEND versus
// DURATION, all-day and floating values, and DST gaps and overlaps per RFC
// 5545 §3.3.5.
//
// Known limitation: a rule in a non-Gregorian RSCALE (RFC 7529, e.g. the
// Chinese or Hebrew calendar) is not computed and yields its DTSTART
// only; Inspect still reports such an unbounded series as reaching
// MaxTime, so time-range queries keep finding it. SKIP=FORWARD and
// BACKWARD are read as OMIT. ParseWithWarnings reports both.
//
// When more than MaxInstances occurrences overlap the range, the earliest
// MaxInstances are returned without error. When the iteration budget or
// Options.Deadline is exhausted, the occurrences found so far are returned
// together with an *Error whose Condition is CondMaxInstances.
func Expand(cal *goical.Calendar, start, end time.Time, opts Options) ([]Instance, error) {
	c := newCtx(cal, opts)
	all, err := collectSeries(cal)
	if err != nil {
		return nil, err
	}
	var out []Instance
	for _, s := range all {
		got, _, err := c.expandSeries(s, start, end, c.opts.MaxInstances)
		out = append(out, got...)
		if err != nil {
			sortInstances(out)
			return out, err
		}
	}
	sortInstances(out)
	if len(out) > c.opts.MaxInstances {
		out = out[:c.opts.MaxInstances]
	}
	return out, nil
}

func sortInstances(l []Instance) {
	sort.SliceStable(l, func(i, j int) bool {
		if !l[i].Start.Equal(l[j].Start) {
			return l[i].Start.Before(l[j].Start)
		}
		return l[i].RecurrenceID.Before(l[j].RecurrenceID)
	})
}

// candidate is one recurrence identifier produced by the master.
type candidate struct {
	wall, rid time.Time
	end       time.Time // explicit end of an RDATE PERIOD
}

func dateKey(t time.Time) int64 {
	y, m, d := t.Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

// recurrenceKey identifies an occurrence for EXDATE and RECURRENCE-ID
// matching: the date for all-day series, the instant otherwise. rrule-go
// and go-ical compare time.Time values exactly, so a UTC EXDATE would miss
// a zoned occurrence; comparing instants does not.
type matcher struct {
	allDay bool
	keys   map[int64]bool
	dates  map[int64]bool // DATE values on a DATE-TIME series match the whole local day
}

func (c *ctx) newMatcher(allDay bool) *matcher {
	return &matcher{allDay: allDay, keys: map[int64]bool{}, dates: map[int64]bool{}}
}

func (c *ctx) key(m *matcher, v timeValue) (int64, bool) {
	if m.allDay {
		return dateKey(v.wall), true
	}
	if v.date {
		return dateKey(v.wall), false
	}
	return c.abs(v).Unix(), true
}

func (m *matcher) add(k int64, exact bool) {
	if exact {
		m.keys[k] = true
	} else {
		m.dates[k] = true
	}
}

func (m *matcher) has(cand candidate, rid time.Time) bool {
	if m.allDay {
		return m.keys[dateKey(cand.wall)]
	}
	return m.keys[rid.Unix()] || len(m.dates) > 0 && m.dates[dateKey(cand.wall)]
}

func (c *ctx) instanceFrom(ci *compInfo, name string, w, s time.Time, loc *time.Location, allDay bool) Instance {
	e := c.endFor(ci, w, s, loc)
	in := Instance{Start: s.UTC(), End: e.UTC(), AllDay: allDay, Status: ci.status, Transparent: ci.transparent, Component: ci.comp}
	in.BusyType = busyType(name, ci)
	in.span = c.spanOf(ci, name, s, e, allDay)
	return in
}

// busyType applies RFC 4791 §7.10: transparent and cancelled events do not
// block time, tentative ones are BUSY-TENTATIVE; VAVAILABILITY uses its
// BUSYTYPE (RFC 7953, default BUSY-UNAVAILABLE).
func busyType(name string, ci *compInfo) string {
	switch name {
	case "VEVENT":
		switch {
		case ci.transparent || ci.status == "CANCELLED":
			return "FREE"
		case ci.status == "TENTATIVE":
			return "BUSY-TENTATIVE"
		}
		return "BUSY"
	case "VFREEBUSY":
		return "BUSY"
	case "VAVAILABILITY":
		if p := ci.comp.Props.Get("BUSYTYPE"); p != nil {
			return strings.ToUpper(strings.TrimSpace(p.Value))
		}
		return "BUSY-UNAVAILABLE"
	}
	return "FREE"
}

// inWindow reports whether in overlaps [lo, hi) by the §9.9 rules.
func inWindow(name string, in Instance, lo, hi time.Time) bool {
	return Overlaps(name, in.span, lo, hi)
}
