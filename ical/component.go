package ical

import (
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// compInfo is the time-related content of one VEVENT, VTODO, VJOURNAL,
// VFREEBUSY or VAVAILABILITY, parsed once per operation.
type compInfo struct {
	comp          *goical.Component
	start         timeValue
	hasStart      bool
	end           timeValue // DTEND (VEVENT, VFREEBUSY, VAVAILABILITY) or DUE (VTODO)
	hasEnd        bool
	dur           duration
	hasDur        bool
	rid           timeValue
	hasRID        bool
	thisAndFuture bool
	completed     time.Time
	created       time.Time
	status        string
	transparent   bool
	rule          *recur
}

func propTime(p *goical.Prop) (timeValue, error) {
	return parseTimeValue(p.Value, p.Params.Get("VALUE"), p.Params.Get("TZID"))
}

// readComp parses the properties of comp that expansion needs. Values were
// validated by Parse; errors here come from hand-built calendars.
func readComp(comp *goical.Component) (*compInfo, error) {
	ci := &compInfo{comp: comp}
	var err error
	if p := comp.Props.Get("DTSTART"); p != nil {
		if ci.start, err = propTime(p); err != nil {
			return nil, objErr("%s has an invalid DTSTART", comp.Name)
		}
		ci.hasStart = true
	}
	endName := "DTEND"
	if comp.Name == "VTODO" {
		endName = "DUE"
	}
	if p := comp.Props.Get(endName); p != nil {
		if ci.end, err = propTime(p); err != nil {
			return nil, objErr("%s has an invalid %s", comp.Name, endName)
		}
		ci.hasEnd = true
	}
	if p := comp.Props.Get("DURATION"); p != nil {
		if ci.dur, err = parseDuration(p.Value); err != nil {
			return nil, objErr("%s has an invalid DURATION", comp.Name)
		}
		ci.hasDur = true
	}
	if p := comp.Props.Get("RECURRENCE-ID"); p != nil {
		if ci.rid, err = propTime(p); err != nil {
			return nil, objErr("%s has an invalid RECURRENCE-ID", comp.Name)
		}
		ci.hasRID = true
		ci.thisAndFuture = strings.EqualFold(p.Params.Get("RANGE"), "THISANDFUTURE")
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"COMPLETED", &ci.completed}, {"CREATED", &ci.created}} {
		if p := comp.Props.Get(f.name); p != nil {
			if v, err := propTime(p); err == nil {
				*f.dst = v.wall // these are UTC by definition
			}
		}
	}
	if p := comp.Props.Get("STATUS"); p != nil {
		ci.status = strings.ToUpper(strings.TrimSpace(p.Value))
	}
	if p := comp.Props.Get("TRANSP"); p != nil {
		ci.transparent = strings.EqualFold(strings.TrimSpace(p.Value), "TRANSPARENT")
	}
	if rules := comp.Props.Values("RRULE"); len(rules) > 0 && !ci.hasRID {
		// RFC 5545 allows one RRULE (several are deprecated); the first
		// is used, like every major client does.
		if ci.rule, err = parseRecur(rules[0].Value); err != nil {
			return nil, &Error{Condition: CondValidData, Reason: "invalid RRULE: " + err.Error()}
		}
	}
	return ci, nil
}

// anchor is the value recurrence is computed from: DTSTART, or for a VTODO
// without DTSTART its DUE (RFC 5545 requires DTSTART with RRULE, but
// clients write such todos and lenient servers expand them from DUE).
func (ci *compInfo) anchor() (timeValue, bool) {
	if ci.hasStart {
		return ci.start, true
	}
	if ci.comp.Name == "VTODO" && ci.hasEnd {
		return ci.end, true
	}
	return timeValue{}, false
}

// endFor returns the effective end of an occurrence of ci starting at
// wall clock w (instant s): DTEND/DUE, or DTSTART+DURATION, or the RFC
// 4791 §9.9 default (one day for a DATE, zero length otherwise). The
// distance DTSTART→DTEND is kept in wall-clock terms when both are in the
// same zone, so a 9:00-10:00 meeting stays 9:00-10:00 across DST changes.
func (c *ctx) endFor(ci *compInfo, w, s time.Time, loc *time.Location) time.Time {
	var e time.Time
	switch {
	case ci.hasEnd && ci.hasStart:
		if ci.end.date == ci.start.date && ci.end.utc == ci.start.utc && ci.end.tzid == ci.start.tzid {
			e = wallToAbs(w.Add(ci.end.wall.Sub(ci.start.wall)), loc)
		} else {
			e = s.Add(c.abs(ci.end).Sub(c.abs(ci.start)))
		}
	case ci.hasEnd && ci.comp.Name == "VTODO":
		e = s // DUE is the anchor itself
	case ci.hasDur:
		e = wallToAbs(ci.dur.addWall(w), loc).Add(ci.dur.exact())
	case ci.start.date && ci.comp.Name != "VTODO":
		e = wallToAbs(w.AddDate(0, 0, 1), loc)
	default:
		e = s
	}
	if e.Before(s) {
		return s // DTEND before DTSTART: accepted, read as zero length
	}
	return e
}
