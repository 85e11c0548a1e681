package ical

import (
	"time"

	goical "github.com/emersion/go-ical"
)

// Span is what the RFC 4791 §9.9 time-range test needs to know about one
// component or one occurrence of it. Zero times mean "property absent".
type Span struct {
	Start       time.Time // DTSTART
	End         time.Time // DTEND, or DTSTART+DURATION (VEVENT, VTODO, VJOURNAL, VFREEBUSY, VAVAILABILITY)
	HasEnd      bool      // the component has DTEND (VEVENT, VFREEBUSY)
	HasDuration bool      // the component has DURATION
	AllDay      bool      // DTSTART is a DATE
	Due         time.Time // VTODO DUE
	Completed   time.Time // VTODO COMPLETED
	Created     time.Time // VTODO CREATED
	// FreeBusy holds a VFREEBUSY's FREEBUSY periods as [start, end) pairs.
	FreeBusy [][2]time.Time
	// Triggers are a VALARM's trigger instants (each repetition included).
	Triggers []time.Time
}

// Overlaps implements the RFC 4791 §9.9 time-range test of one component
// (comp is "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VALARM" or
// "VAVAILABILITY") against [start, end). A zero start or end leaves that
// side of the range open.
func Overlaps(comp string, s Span, start, end time.Time) bool {
	// With an open side the comparison against that side always holds:
	// "start < X" holds when start is -inf, "end > X" when end is +inf.
	startLT := func(x time.Time) bool { return start.IsZero() || start.Before(x) }
	startLE := func(x time.Time) bool { return start.IsZero() || !start.After(x) }
	endGT := func(x time.Time) bool { return end.IsZero() || end.After(x) }
	endGE := func(x time.Time) bool { return end.IsZero() || !end.Before(x) }
	switch comp {
	case "VEVENT", "VAVAILABILITY":
		if s.Start.IsZero() {
			return false
		}
		if s.HasEnd || s.End.After(s.Start) {
			return startLT(s.End) && endGT(s.Start)
		}
		return startLE(s.Start) && endGT(s.Start)
	case "VTODO":
		switch {
		case !s.Start.IsZero() && s.HasDuration:
			return startLE(s.End) && (endGT(s.Start) || endGE(s.End))
		case !s.Start.IsZero() && !s.Due.IsZero():
			return (startLT(s.Due) || startLE(s.Start)) && (endGT(s.Start) || endGE(s.Due))
		case !s.Start.IsZero():
			return startLE(s.Start) && endGT(s.Start)
		case !s.Due.IsZero():
			return startLT(s.Due) && endGE(s.Due)
		case !s.Completed.IsZero() && !s.Created.IsZero():
			return (startLE(s.Created) || startLE(s.Completed)) && (endGE(s.Created) || endGE(s.Completed))
		case !s.Completed.IsZero():
			return startLE(s.Completed) && endGE(s.Completed)
		case !s.Created.IsZero():
			return endGT(s.Created)
		}
		return true
	case "VJOURNAL":
		if s.Start.IsZero() {
			return false
		}
		if s.AllDay {
			return startLT(s.End) && endGT(s.Start)
		}
		return startLE(s.Start) && endGT(s.Start)
	case "VFREEBUSY":
		if !s.Start.IsZero() && s.HasEnd {
			return startLE(s.End) && endGT(s.Start)
		}
		for _, p := range s.FreeBusy {
			if startLT(p[1]) && endGT(p[0]) {
				return true
			}
		}
		return false
	case "VALARM":
		for _, t := range s.Triggers {
			if startLE(t) && endGT(t) {
				return true
			}
		}
		return false
	}
	return false
}

// spanOf builds the Span of one occurrence [s, e) of ci.
func (c *ctx) spanOf(ci *compInfo, name string, s, e time.Time, allDay bool) Span {
	sp := Span{Start: s.UTC(), End: e.UTC(), HasDuration: ci.hasDur, AllDay: allDay,
		Completed: ci.completed, Created: ci.created}
	switch name {
	case "VTODO":
		if ci.hasEnd {
			sp.Due = sp.End
		}
		if !ci.hasStart {
			sp.Start = time.Time{}
		}
	case "VEVENT", "VFREEBUSY", "VAVAILABILITY":
		sp.HasEnd = ci.hasEnd
	case "VJOURNAL":
		if allDay {
			sp.End = sp.Start.AddDate(0, 0, 1)
		}
	}
	if name == "VFREEBUSY" {
		sp.FreeBusy = c.freeBusyPeriods(ci.comp)
	}
	return sp
}

func (c *ctx) freeBusyPeriods(comp *goical.Component) [][2]time.Time {
	var out [][2]time.Time
	for _, p := range comp.Props.Values("FREEBUSY") {
		for _, v := range splitList(p.Value) {
			per, err := parsePeriod(v, "")
			if err != nil {
				continue
			}
			s := c.abs(per.start)
			e := s
			if per.hasEnd {
				e = c.abs(per.end)
			} else {
				e = wallToAbs(per.dur.addWall(per.start.wall), c.loc(per.start)).Add(per.dur.exact())
			}
			out = append(out, [2]time.Time{s.UTC(), e.UTC()})
		}
	}
	return out
}

// AlarmSpan returns the Span of a VALARM inside an occurrence of its
// parent: the trigger instants, relative to the occurrence's start or end
// (RELATED=END) or absolute, each REPEAT included. It lets callers apply
// the VALARM row of the §9.9 table.
func AlarmSpan(alarm *goical.Component, occurrence Instance) Span {
	var sp Span
	p := alarm.Props.Get("TRIGGER")
	if p == nil {
		return sp
	}
	var base time.Time
	if v, err := parseTimeValue(p.Value, p.Params.Get("VALUE"), ""); err == nil && v.utc {
		base = v.wall
	} else if d, err := parseDuration(p.Value); err == nil {
		ref := occurrence.Start
		if p.Params.Get("RELATED") == "END" {
			ref = occurrence.End
		}
		base = ref.AddDate(0, 0, d.days).Add(d.exact())
	} else {
		return sp
	}
	sp.Triggers = append(sp.Triggers, base)
	rp, dp := alarm.Props.Get("REPEAT"), alarm.Props.Get("DURATION")
	if rp != nil && dp != nil {
		n, _ := atoiN(rp.Value)
		d, err := parseDuration(dp.Value)
		if err == nil && n > 0 && n <= 1000 {
			t := base
			for i := 0; i < n; i++ {
				t = t.AddDate(0, 0, d.days).Add(d.exact())
				sp.Triggers = append(sp.Triggers, t)
			}
		}
	}
	return sp
}
