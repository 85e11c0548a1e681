package ical

import (
	"sort"
	"time"
)

// expandSeries expands one UID's master and overrides over [lo, hi) (zero
// bounds are open), returning at most limit instances and whether the
// series had more.
func (c *ctx) expandSeries(s *series, lo, hi time.Time, limit int) ([]Instance, bool, error) {
	var out []Instance
	emit := func(in Instance) {
		if inWindow(s.name, in, lo, hi) {
			out = append(out, in)
		}
	}
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
		for _, ci := range s.overridesAndMaster() {
			out = append(out, c.single(s.name, ci, lo, hi)...)
		}
		return out, false, nil
	}
	loc := c.loc(a)
	allDay := a.date
	recurring := m.rule != nil || len(m.comp.Props.Values("RDATE")) > 0 || len(s.overrides) > 0

	if !recurring {
		return c.single(s.name, m, lo, hi), false, nil
	}

	ex := c.newMatcher(allDay)
	for _, p := range m.comp.Props.Values("EXDATE") {
		for _, v := range splitList(p.Value) {
			if tv, err := parseTimeValue(v, p.Params.Get("VALUE"), p.Params.Get("TZID")); err == nil {
				ex.add(c.key(ex, tv))
			}
		}
	}

	// Overrides, by recurrence key; THISANDFUTURE ones also in rid order.
	ovr := c.newMatcher(allDay)
	byKey := map[int64]*compInfo{}
	byDate := map[int64]*compInfo{}
	type future struct {
		rid   time.Time
		shift time.Duration
		dur   time.Duration
		ci    *compInfo
	}
	var futures []future
	maxShift, maxDur := time.Duration(0), 48*time.Hour
	for _, o := range s.overrides {
		k, exact := c.key(ovr, o.rid)
		ovr.add(k, exact)
		if exact {
			byKey[k] = o
		} else {
			byDate[k] = o
		}
		if o.thisAndFuture {
			rid := c.abs(o.rid)
			st := rid
			if o.hasStart {
				st = c.abs(o.start)
			}
			w := absToWall(st, loc)
			e := c.endFor(o, w, st, c.loc(o.start))
			f := future{rid: rid, shift: st.Sub(rid), dur: e.Sub(st), ci: o}
			futures = append(futures, f)
			maxShift = max(maxShift, f.shift, -f.shift)
			maxDur = max(maxDur, f.dur)
		}
	}
	sort.Slice(futures, func(i, j int) bool { return futures[i].rid.Before(futures[j].rid) })
	if w := a.wall; true {
		s0 := wallToAbs(w, loc)
		maxDur = max(maxDur, c.endFor(m, w, s0, loc).Sub(s0))
	}

	// Recurrence identifiers worth generating: those whose occurrence can
	// reach [lo, hi) after a THISANDFUTURE shift.
	var gLo, gHi time.Time
	if !lo.IsZero() {
		gLo = lo.Add(-maxDur - maxShift - 48*time.Hour)
	}
	if !hi.IsZero() {
		gHi = hi.Add(maxShift + 48*time.Hour)
	}

	var cands []candidate
	truncated := false
	var err error
	if m.rule != nil {
		n := 0
		err = c.ruleOccurrences(m.rule, a, loc, gLo, func(w, t time.Time) bool {
			if !gHi.IsZero() && t.After(gHi) {
				return false
			}
			if !gLo.IsZero() && t.Before(gLo) {
				return true
			}
			if ex.has(candidate{wall: w}, t) {
				return true // deleted occurrences do not use up the limit
			}
			if n >= limit {
				truncated = true
				return false
			}
			n++
			cands = append(cands, candidate{wall: w, rid: t})
			return true
		})
	} else {
		cands = append(cands, candidate{wall: a.wall, rid: wallToAbs(a.wall, loc)})
	}
	cands = append(cands, c.rdates(m, a, loc, gLo, gHi)...)
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rid.Before(cands[j].rid) })

	seen := map[int64]bool{}
	for _, cd := range cands {
		k := cd.rid.Unix()
		if allDay {
			k = dateKey(cd.wall)
		}
		if seen[k] {
			continue // RDATE coinciding with a rule occurrence
		}
		seen[k] = true
		if ex.has(cd, cd.rid) || ovr.has(cd, cd.rid) {
			continue
		}
		in := c.instanceFrom(m, s.name, cd.wall, cd.rid, loc, allDay)
		if !cd.end.IsZero() && !cd.end.Before(cd.rid) {
			in.End = cd.end.UTC()
			in.span = c.spanOf(m, s.name, cd.rid, cd.end, allDay)
			in.span.HasEnd = true
		}
		// The last THISANDFUTURE override at or before this occurrence
		// moves it and lends it its properties.
		for i := len(futures) - 1; i >= 0; i-- {
			if f := futures[i]; !cd.rid.Before(f.rid) {
				st := cd.rid.Add(f.shift)
				in = c.instanceFrom(f.ci, s.name, absToWall(st, loc), st, loc, allDay)
				in.End = st.Add(f.dur).UTC()
				in.span = c.spanOf(f.ci, s.name, st, st.Add(f.dur), allDay)
				break
			}
		}
		in.RecurrenceID = cd.rid.UTC()
		emit(in)
	}

	// Overrides are occurrences in their own right, wherever their
	// RECURRENCE-ID points, unless an EXDATE deletes that occurrence.
	for _, o := range s.overrides {
		rid := c.abs(o.rid)
		if allDay || o.rid.date {
			rid = wallToAbs(o.rid.wall, loc)
			if o.rid.date && !allDay {
				rid = wallToAbs(time.Date(o.rid.wall.Year(), o.rid.wall.Month(), o.rid.wall.Day(),
					a.wall.Hour(), a.wall.Minute(), a.wall.Second(), 0, time.UTC), loc)
			}
		}
		if ex.has(candidate{wall: absToWall(rid, loc)}, rid) {
			continue
		}
		st, w, oloc := rid, absToWall(rid, loc), loc
		if oa, ok := o.anchor(); ok {
			oloc = c.loc(oa)
			st, w = c.abs(oa), oa.wall
		}
		in := c.instanceFrom(o, s.name, w, st, oloc, o.start.date || !o.hasStart && allDay)
		in.RecurrenceID = rid.UTC()
		in.Override = true
		emit(in)
	}
	sortInstances(out)
	if len(out) > limit {
		out, truncated = out[:limit], true
	}
	return out, truncated, err
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
