package ical

import (
	"time"

	"github.com/teambition/rrule-go"
)

// untilWall expresses UNTIL in the wall-clock frame of the anchor, so that
// rrule-go (which runs on wall clocks) can compare it. A DATE UNTIL on a
// DATE-TIME series (an RFC violation producers commit) includes that whole
// day; a floating UNTIL on a zoned series (Exchange) is read in the
// series' zone.
func untilWall(u, a timeValue, loc *time.Location) time.Time {
	switch {
	case u.utc:
		return absToWall(u.wall, loc)
	case u.date && !a.date:
		return u.wall.Add(24*time.Hour - time.Second)
	}
	return u.wall
}

// ruleOccurrences calls fn with the wall clock (in the anchor's frame) and
// the instant of each occurrence of rule r anchored at a, in order, until
// fn returns false or the rule ends. from, when not zero, is an instant
// before which occurrences are not needed: iteration may start there.
//
// DTSTART is the first occurrence and counts toward COUNT even when it
// does not match the rule (RFC 5545 §3.8.5.3). As a compatibility choice
// (python-recurring-ical-events, khal, libical), a rule that produces no
// occurrence at all, typically one whose UNTIL lies before DTSTART (how
// Confluence marks a deleted series), yields nothing, DTSTART included.
//
// A rule in a non-Gregorian RSCALE (RFC 7529) is not computed: it yields
// DTSTART alone, a known limitation Parse warns about. Dropping the
// object or guessing Gregorian dates would both be worse for a client.
func (c *ctx) ruleOccurrences(r *recur, a timeValue, loc *time.Location, from time.Time, fn func(w, t time.Time) bool) error {
	if r.rscale != "" {
		fn(a.wall, wallToAbs(a.wall, loc))
		return nil
	}
	o := r.option(a.wall)
	if a.date {
		o = dateOption(o)
	}
	// COUNT is applied here, not by rrule-go: DTSTART counts even when it
	// does not match, and aligned starts (alignWeek) must not consume it.
	o.Count = 0
	var uWall time.Time
	if r.until != nil {
		uWall = untilWall(*r.until, a, loc)
		o.Until = uWall
	}
	if neverMatches(o) {
		return nil
	}
	if plainStep(o) && !a.date {
		return c.stepOccurrences(o, r, a, loc, uWall, from, fn)
	}
	run := o
	if r.count == 0 && !from.IsZero() {
		run = skipAhead(o, absToWall(from, loc))
	}
	if run.Freq == rrule.WEEKLY && len(run.Bysetpos) > 0 {
		run = alignWeek(run)
	}
	var next rrule.Next
	if run.Freq == rrule.YEARLY && len(run.Byweekno) > 0 {
		next = weeknoIterator(run)
	} else {
		rule, err := rrule.NewRRule(run)
		if err != nil {
			return &Error{Condition: CondValidData, Reason: "invalid RRULE: " + err.Error()}
		}
		next = rule.Iterator()
	}
	w, ok := next()
	for ok && w.Before(o.Dtstart) {
		w, ok = next()
	}
	if !ok {
		return nil
	}
	emitted := 0
	if !run.Dtstart.After(o.Dtstart) && !w.Equal(a.wall) {
		emitted++
		if !fn(a.wall, wallToAbs(a.wall, loc)) {
			return nil
		}
	}
	for ok {
		if r.count > 0 && emitted >= r.count {
			return nil
		}
		emitted++
		if !fn(w, wallToAbs(w, loc)) {
			return nil
		}
		if c.tick() {
			return budgetErr()
		}
		w, ok = next()
	}
	return nil
}

// stepOccurrences handles sub-daily rules without BYxxx parts as a fixed
// step in absolute time: "every 2 hours" stays 2 hours apart across a DST
// change, and the first step inside the window is computed directly.
func (c *ctx) stepOccurrences(o rrule.ROption, r *recur, a timeValue, loc *time.Location, uWall, from time.Time, fn func(w, t time.Time) bool) error {
	step := freqUnit(o.Freq) * time.Duration(o.Interval)
	t0 := wallToAbs(a.wall, loc)
	var until time.Time
	if r.until != nil {
		until = wallToAbs(uWall, loc)
		if r.until.utc {
			until = r.until.wall
		}
	}
	k := int64(0)
	if !from.IsZero() && from.After(t0) {
		k = max(0, int64(from.Sub(t0)/step)-1)
	}
	for ; r.count == 0 || k < int64(r.count); k++ {
		t := t0.Add(time.Duration(k) * step)
		if !until.IsZero() && t.After(until) {
			break
		}
		if !fn(absToWall(t, loc), t) {
			return nil
		}
		if c.tick() {
			return budgetErr()
		}
	}
	return nil
}
