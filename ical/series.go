package ical

import (
	"sort"
	"time"
)

// expandSeries expands one UID's master and overrides over [lo, hi) (zero
// bounds are open), returning at most limit instances and whether the
// series had more.
func (c *ctx) expandSeries(s *series, lo, hi time.Time, limit int) ([]Instance, bool, error) {
	m := s.master
	var a timeValue
	hasAnchor := false
	if m != nil {
		a, hasAnchor = m.anchor()
	}
	if !hasAnchor {
		// No master (a resource holding only overrides, which RFC 4791
		// allows) or a master without any date: each component is what it
		// says, without recurrence.
		var out []Instance
		for _, ci := range s.overridesAndMaster() {
			out = append(out, c.single(s.name, ci, lo, hi)...)
		}
		return out, false, nil
	}
	if !s.recurring() {
		return c.single(s.name, m, lo, hi), false, nil
	}
	x := c.newSeriesExpansion(s, a)
	gLo, gHi := x.generationWindow(lo, hi)
	cands, truncated, err := x.candidates(gLo, gHi, lo, limit)
	var out []Instance
	for _, in := range append(x.masterInstances(cands), x.overrideInstances()...) {
		if inWindow(s.name, in, lo, hi) {
			out = append(out, in)
		}
	}
	sortInstances(out)
	if len(out) > limit {
		out, truncated = out[:limit], true
	}
	return out, truncated, err
}

// recurring reports whether the series has more than its master's one
// occurrence: a rule, RDATEs, or overrides (which are occurrences even
// without a rule).
func (s *series) recurring() bool {
	m := s.master
	return m.rule != nil || len(m.comp.Props.Values("RDATE")) > 0 || len(s.overrides) > 0
}

// seriesExpansion is what expanding a recurring series needs to know
// besides its candidates: the master's anchor and zone, the EXDATEs and
// RECURRENCE-IDs to skip, and the THISANDFUTURE overrides that move the
// occurrences after them.
type seriesExpansion struct {
	c      *ctx
	s      *series
	a      timeValue // the master's DTSTART (or the date standing for it)
	loc    *time.Location
	allDay bool
	ex     *matcher // EXDATEs
	ovr    *matcher // overrides' RECURRENCE-IDs
	// futures are the THISANDFUTURE overrides in RECURRENCE-ID order.
	futures []future
	// maxShift and maxDur bound how far an occurrence can move from its
	// recurrence identifier and how long it can last, which widens the
	// range of identifiers worth generating.
	maxShift, maxDur time.Duration
}

// future is a THISANDFUTURE override (RFC 5545 §3.8.4.4): the shift of
// its start from its RECURRENCE-ID and its duration apply to every later
// occurrence.
type future struct {
	rid   time.Time
	shift time.Duration
	dur   time.Duration
	ci    *compInfo
}

func (c *ctx) newSeriesExpansion(s *series, a timeValue) *seriesExpansion {
	x := &seriesExpansion{c: c, s: s, a: a, loc: c.loc(a), allDay: a.date, maxDur: 48 * time.Hour}
	x.ex = x.exdates()
	x.ovr = x.readOverrides()
	s0 := wallToAbs(a.wall, x.loc)
	x.maxDur = max(x.maxDur, c.endFor(s.master, a.wall, s0, x.loc).Sub(s0))
	return x
}

// exdates collects the master's EXDATEs; values that do not parse are
// ignored, as they delete nothing.
func (x *seriesExpansion) exdates() *matcher {
	ex := x.c.newMatcher(x.allDay)
	for _, p := range x.s.master.comp.Props.Values("EXDATE") {
		for _, v := range splitList(p.Value) {
			if tv, err := parseTimeValue(v, p.Params.Get("VALUE"), p.Params.Get("TZID")); err == nil {
				ex.add(x.c.key(ex, tv))
			}
		}
	}
	return ex
}

// readOverrides collects the overrides' recurrence identifiers, which
// replace the master's occurrences they name, and the THISANDFUTURE ones
// with how far they move the later occurrences.
func (x *seriesExpansion) readOverrides() *matcher {
	c := x.c
	ovr := c.newMatcher(x.allDay)
	for _, o := range x.s.overrides {
		ovr.add(c.key(ovr, o.rid))
		if !o.thisAndFuture {
			continue
		}
		rid := c.abs(o.rid)
		st := rid
		if o.hasStart {
			st = c.abs(o.start)
		}
		e := c.endFor(o, absToWall(st, x.loc), st, c.loc(o.start))
		f := future{rid: rid, shift: st.Sub(rid), dur: e.Sub(st), ci: o}
		x.futures = append(x.futures, f)
		x.maxShift = max(x.maxShift, f.shift, -f.shift)
		x.maxDur = max(x.maxDur, f.dur)
	}
	sort.Slice(x.futures, func(i, j int) bool { return x.futures[i].rid.Before(x.futures[j].rid) })
	return ovr
}

// generationWindow returns the recurrence identifiers worth generating
// for [lo, hi): those whose occurrence can reach it after a THISANDFUTURE
// shift, with its duration, and two days for zone offsets.
func (x *seriesExpansion) generationWindow(lo, hi time.Time) (gLo, gHi time.Time) {
	if !lo.IsZero() {
		gLo = lo.Add(-x.maxDur - x.maxShift - 48*time.Hour)
	}
	if !hi.IsZero() {
		gHi = hi.Add(x.maxShift + 48*time.Hour)
	}
	return gLo, gHi
}

// candidates returns the master's recurrence identifiers in [gLo, gHi]
// in time order: its rule's occurrences (at most limit from countFrom on,
// EXDATEs not counted, truncated telling whether the rule had more) or
// DTSTART, then its RDATEs. Those before countFrom, the start of the
// range asked for, do not use up the limit: the lead gLo leaves for long
// and moved occurrences holds days of a dense rule (hundreds of thousands
// of a SECONDLY one), which would otherwise crowd out the range itself;
// of them, only the last limit are kept (leadRing).
func (x *seriesExpansion) candidates(gLo, gHi, countFrom time.Time, limit int) (cands []candidate, truncated bool, err error) {
	m := x.s.master
	if m.rule != nil {
		n := 0
		lead := &leadRing{max: limit}
		err = x.c.ruleOccurrences(m.rule, x.a, x.loc, gLo, func(w, t time.Time) bool {
			if !gHi.IsZero() && t.After(gHi) {
				return false
			}
			if !gLo.IsZero() && t.Before(gLo) {
				return true
			}
			if x.ex.has(candidate{wall: w}, t) {
				return true // deleted occurrences do not use up the limit
			}
			if !countFrom.IsZero() && t.Before(countFrom) {
				lead.add(candidate{wall: w, rid: t})
				return true
			}
			if n >= limit {
				truncated = true
				return false
			}
			n++
			cands = append(cands, candidate{wall: w, rid: t})
			return true
		})
		cands = append(lead.ordered(), cands...)
	} else {
		cands = append(cands, candidate{wall: x.a.wall, rid: wallToAbs(x.a.wall, x.loc)})
	}
	cands = append(cands, x.c.rdates(m, x.a, x.loc, gLo, gHi)...)
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rid.Before(cands[j].rid) })
	return cands, truncated, err
}

// leadRing keeps the last max candidates before the range: the master's
// occurrences all last as long, so those reaching into the range are the
// last ones before it, and a dense rule's lead (two days of a SECONDLY
// one) need not be held whole.
type leadRing struct {
	max  int
	buf  []candidate
	next int
}

func (r *leadRing) add(c candidate) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, c)
	} else {
		r.buf[r.next] = c
		r.next = (r.next + 1) % r.max
	}
}

// ordered returns the candidates kept, oldest first.
func (r *leadRing) ordered() []candidate {
	if len(r.buf) < r.max {
		return r.buf
	}
	return append(append([]candidate(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}

// masterInstances turns the candidates into the master's occurrences:
// once each (an RDATE may repeat a rule occurrence), without those an
// EXDATE deletes or an override replaces, moved by the THISANDFUTURE
// override before them.
func (x *seriesExpansion) masterInstances(cands []candidate) []Instance {
	c, m, name := x.c, x.s.master, x.s.name
	var out []Instance
	seen := map[int64]bool{}
	for _, cd := range cands {
		k := cd.rid.Unix()
		if x.allDay {
			k = dateKey(cd.wall)
		}
		if seen[k] {
			continue // RDATE coinciding with a rule occurrence
		}
		seen[k] = true
		if x.ex.has(cd, cd.rid) || x.ovr.has(cd, cd.rid) {
			continue
		}
		in := c.instanceFrom(m, name, cd.wall, cd.rid, x.loc, x.allDay)
		if !cd.end.IsZero() && !cd.end.Before(cd.rid) {
			in.End = cd.end.UTC()
			in.span = c.spanOf(m, name, cd.rid, cd.end, x.allDay)
			in.span.HasEnd = true
		}
		if f := x.futureBefore(cd.rid); f != nil {
			st := cd.rid.Add(f.shift)
			in = c.instanceFrom(f.ci, name, absToWall(st, x.loc), st, x.loc, x.allDay)
			in.End = st.Add(f.dur).UTC()
			in.span = c.spanOf(f.ci, name, st, st.Add(f.dur), x.allDay)
		}
		in.RecurrenceID = cd.rid.UTC()
		out = append(out, in)
	}
	return out
}

// futureBefore returns the last THISANDFUTURE override at or before rid,
// which moves that occurrence and lends it its properties; nil if none.
func (x *seriesExpansion) futureBefore(rid time.Time) *future {
	for i := len(x.futures) - 1; i >= 0; i-- {
		if !rid.Before(x.futures[i].rid) {
			return &x.futures[i]
		}
	}
	return nil
}

// overrideInstances returns the overrides' occurrences: each is one in its
// own right, wherever its RECURRENCE-ID points, unless an EXDATE deletes
// that occurrence.
func (x *seriesExpansion) overrideInstances() []Instance {
	c, loc := x.c, x.loc
	var out []Instance
	for _, o := range x.s.overrides {
		rid := x.overrideRID(o)
		if x.ex.has(candidate{wall: absToWall(rid, loc)}, rid) {
			continue
		}
		st, w, oloc := rid, absToWall(rid, loc), loc
		if oa, ok := o.anchor(); ok {
			oloc = c.loc(oa)
			st, w = c.abs(oa), oa.wall
		}
		in := c.instanceFrom(o, x.s.name, w, st, oloc, o.start.date || !o.hasStart && x.allDay)
		in.RecurrenceID = rid.UTC()
		in.Override = true
		out = append(out, in)
	}
	return out
}

// overrideRID returns the instant an override's RECURRENCE-ID names in
// the series' frame: a DATE on an all-day series is that day in the
// series' zone, a DATE on a timed series that day at DTSTART's time.
func (x *seriesExpansion) overrideRID(o *compInfo) time.Time {
	rid := x.c.abs(o.rid)
	if x.allDay || o.rid.date {
		rid = wallToAbs(o.rid.wall, x.loc)
		if o.rid.date && !x.allDay {
			w := x.a.wall
			rid = wallToAbs(time.Date(o.rid.wall.Year(), o.rid.wall.Month(), o.rid.wall.Day(),
				w.Hour(), w.Minute(), w.Second(), 0, time.UTC), x.loc)
		}
	}
	return rid
}

func (s *series) overridesAndMaster() []*compInfo {
	l := append([]*compInfo(nil), s.overrides...)
	if s.master != nil {
		l = append(l, s.master)
	}
	return l
}

// single returns the one occurrence of a non-recurring component, if it
// overlaps [lo, hi).
func (c *ctx) single(name string, ci *compInfo, lo, hi time.Time) []Instance {
	var in Instance
	if a, ok := ci.anchor(); ok {
		loc := c.loc(a)
		s := wallToAbs(a.wall, loc)
		in = c.instanceFrom(ci, name, a.wall, s, loc, a.date)
	} else {
		in = Instance{Status: ci.status, Transparent: ci.transparent, Component: ci.comp, BusyType: busyType(name, ci)}
		in.span = c.spanOf(ci, name, time.Time{}, time.Time{}, false)
	}
	if ci.hasRID {
		in.RecurrenceID = c.abs(ci.rid).UTC()
		in.Override = true
	}
	if !Overlaps(name, in.span, lo, hi) {
		return nil
	}
	return []Instance{in}
}

// rdates returns the RDATE occurrences of master m within [gLo, gHi],
// expressed in the anchor's wall-clock frame.
func (c *ctx) rdates(m *compInfo, a timeValue, loc *time.Location, gLo, gHi time.Time) []candidate {
	var out []candidate
	for _, p := range m.comp.Props.Values("RDATE") {
		vt, tzid := p.Params.Get("VALUE"), p.Params.Get("TZID")
		for _, v := range splitList(p.Value) {
			var cd candidate
			if per, err := parsePeriod(v, tzid); err == nil {
				cd.rid = c.abs(per.start)
				if per.hasEnd {
					cd.end = c.abs(per.end)
				} else {
					cd.end = wallToAbs(per.dur.addWall(per.start.wall), c.loc(per.start)).Add(per.dur.exact())
				}
				cd.wall = absToWall(cd.rid, loc)
			} else if tv, err := parseTimeValue(v, vt, tzid); err == nil {
				switch {
				case a.date:
					cd.wall = time.Date(tv.wall.Year(), tv.wall.Month(), tv.wall.Day(), 0, 0, 0, 0, time.UTC)
					cd.rid = wallToAbs(cd.wall, loc)
				case tv.date:
					// A DATE on a DATE-TIME series: that day at DTSTART's time.
					cd.wall = time.Date(tv.wall.Year(), tv.wall.Month(), tv.wall.Day(),
						a.wall.Hour(), a.wall.Minute(), a.wall.Second(), 0, time.UTC)
					cd.rid = wallToAbs(cd.wall, loc)
				default:
					cd.rid = c.abs(tv)
					cd.wall = absToWall(cd.rid, loc)
				}
			} else {
				continue
			}
			if (!gLo.IsZero() && cd.rid.Before(gLo)) || (!gHi.IsZero() && cd.rid.After(gHi)) {
				continue
			}
			out = append(out, cd)
		}
	}
	return out
}
