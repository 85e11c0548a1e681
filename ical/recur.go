package ical

import (
	"sort"
	"time"

	"github.com/teambition/rrule-go"
)

// uniqInts sorts and de-duplicates a BYxxx list: rrule-go builds its time
// set as a cross product and would emit duplicates (BYSECOND=5,4,4).
func uniqInts(in []int, drop int) []int {
	if len(in) == 0 {
		return nil
	}
	out := make([]int, 0, len(in))
	for _, v := range in {
		if v != drop {
			out = append(out, v)
		}
	}
	sort.Ints(out)
	j := 0
	for i, v := range out {
		if i == 0 || v != out[j-1] {
			out[j] = v
			j++
		}
	}
	return out[:j]
}

func weekdayOf(t time.Time) rrule.Weekday {
	return [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[t.Weekday()]
}

// option converts the rule to rrule-go options for a DTSTART given as a
// wall clock in UTC: we always run rrule-go on wall clocks and map them to
// instants ourselves (wallToAbs), because rrule-go's own arithmetic in a
// zone mishandles DST gaps.
func (r *recur) option(dtstart time.Time) rrule.ROption {
	o := rrule.ROption{
		Freq: r.freq, Dtstart: dtstart, Interval: r.interval, Wkst: r.wkst, Count: r.count,
		Bysetpos:   uniqInts(r.bysetpos, 0),
		Bymonth:    uniqInts(r.bymonth, 0),
		Bymonthday: uniqInts(r.bymonthday, 0),
		Byyearday:  uniqInts(r.byyearday, 0),
		Byweekno:   uniqInts(r.byweekno, 0),
		Byhour:     uniqInts(r.byhour, -1),
		Byminute:   uniqInts(r.byminute, -1),
		Bysecond:   uniqInts(r.bysecond, 60), // leap second: never generated
	}
	seen := map[rrule.Weekday]bool{}
	for _, d := range r.byday {
		if !seen[d] {
			seen[d] = true
			o.Byweekday = append(o.Byweekday, d)
		}
	}
	// RFC 5545 takes what a rule leaves open from DTSTART; for BYWEEKNO
	// without BYDAY that is DTSTART's weekday (libical agrees), whereas
	// rrule-go, like dateutil, would return every day of the week.
	if len(o.Byweekno) > 0 && len(o.Byweekday) == 0 && len(o.Byyearday) == 0 && len(o.Bymonthday) == 0 {
		o.Byweekday = []rrule.Weekday{weekdayOf(dtstart)}
	}
	// Likewise a YEARLY rule with BYMONTHDAY but no BYMONTH recurs in
	// DTSTART's month (libical), not in every month (dateutil).
	if o.Freq == rrule.YEARLY && len(o.Bymonthday) > 0 && len(o.Bymonth) == 0 && len(o.Byweekno) == 0 && len(o.Byyearday) == 0 {
		o.Bymonth = []int{int(dtstart.Month())}
	}
	return o
}

// dateOption adapts the options for an all-day (DATE) DTSTART: time parts
// are meaningless and dropped, and sub-daily frequencies are read as daily
// steps of the equivalent length.
func dateOption(o rrule.ROption) rrule.ROption {
	o.Byhour, o.Byminute, o.Bysecond = nil, nil, nil
	unit := map[rrule.Frequency]int{rrule.HOURLY: 3600, rrule.MINUTELY: 60, rrule.SECONDLY: 1}[o.Freq]
	if unit > 0 {
		o.Interval = max(1, o.Interval*unit/86400)
		o.Freq = rrule.DAILY
	}
	return o
}

// subDaily reports HOURLY, MINUTELY and SECONDLY rules.
func subDaily(f rrule.Frequency) bool { return f >= rrule.HOURLY }

// freqUnit is the length of one period of a sub-daily frequency.
func freqUnit(f rrule.Frequency) time.Duration {
	switch f {
	case rrule.HOURLY:
		return time.Hour
	case rrule.MINUTELY:
		return time.Minute
	}
	return time.Second
}

// plainStep reports a sub-daily rule with no BYxxx part: it is a fixed
// step in absolute time, which we compute directly instead of asking
// rrule-go (whose wall-clock stepping is wrong across DST changes and
// costs one iteration per step even far before the requested window).
func plainStep(o rrule.ROption) bool {
	return subDaily(o.Freq) && len(o.Bysetpos)+len(o.Bymonth)+len(o.Bymonthday)+len(o.Byyearday)+
		len(o.Byweekno)+len(o.Byweekday)+len(o.Byhour)+len(o.Byminute)+len(o.Bysecond) == 0
}

func containsInt(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// neverMatches detects rules on which rrule-go would loop for a very long
// time (or forever) inside a single call without producing anything:
//   - sub-daily steps that can never reach an allowed BYHOUR/BYMINUTE/
//     BYSECOND (rrule-go's inner loop does not terminate);
//   - BYSETPOS positions larger than any period's candidate set;
//   - day filters that no day in a 400-year Gregorian cycle satisfies
//     (BYMONTH=2;BYMONTHDAY=30), where rrule-go walks to the year 9999.
func neverMatches(o rrule.ROption) bool {
	if subDaily(o.Freq) && !reachable(o) {
		return true
	}
	if len(o.Bysetpos) > 0 {
		size := max(1, len(o.Byhour)) * max(1, len(o.Byminute)) * max(1, len(o.Bysecond))
		switch o.Freq {
		case rrule.YEARLY:
			size *= 366
		case rrule.MONTHLY:
			size *= 31
		case rrule.WEEKLY:
			size *= 7
		case rrule.HOURLY:
			size = max(1, len(o.Byminute)) * max(1, len(o.Bysecond))
		case rrule.MINUTELY:
			size = max(1, len(o.Bysecond))
		case rrule.SECONDLY:
			size = 1
		}
		ok := false
		for _, p := range o.Bysetpos {
			if p <= size && p >= -size {
				ok = true
			}
		}
		if !ok {
			return true
		}
	}
	return !daysSatisfiable(o)
}

// reachable checks that stepping by INTERVAL from DTSTART's time of day
// reaches a time of day the BYHOUR/BYMINUTE/BYSECOND lists allow.
func reachable(o rrule.ROption) bool {
	h, m, s := o.Dtstart.Clock()
	var mod, unit, pos int
	switch o.Freq {
	case rrule.HOURLY:
		mod, unit, pos = 24, 3600, h
	case rrule.MINUTELY:
		mod, unit, pos = 1440, 60, h*60+m
	default:
		mod, unit, pos = 86400, 1, h*3600+m*60+s
	}
	step := o.Interval % mod
	for i := 0; i < mod; i++ {
		secs := pos * unit
		hh, mm, ss := secs/3600, secs/60%60, secs%60
		if (len(o.Byhour) == 0 || containsInt(o.Byhour, hh)) &&
			(o.Freq < rrule.MINUTELY || len(o.Byminute) == 0 || containsInt(o.Byminute, mm)) &&
			(o.Freq < rrule.SECONDLY || len(o.Bysecond) == 0 || containsInt(o.Bysecond, ss)) {
			return true
		}
		pos = (pos + step) % mod
		if step == 0 {
			break
		}
	}
	return false
}

// daysSatisfiable looks for one day in 400 years matching the plain day
// filters (ordinal BYDAY, BYWEEKNO and BYSETPOS are left to rrule-go).
func daysSatisfiable(o rrule.ROption) bool {
	filters := 0
	for _, l := range [][]int{o.Bymonth, o.Bymonthday, o.Byyearday} {
		if len(l) > 0 {
			filters++
		}
	}
	if len(o.Byweekday) > 0 {
		filters++
	}
	if filters < 2 {
		return true // one filter alone always matches some day
	}
	var wd [7]bool
	for _, d := range o.Byweekday {
		wd[(d.Day()+1)%7] = true // rrule-go: MO=0; time.Weekday: SU=0
	}
	d := time.Date(o.Dtstart.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 146097; i++ {
		y, m, md := d.Date()
		yd := d.YearDay()
		ylen := 365
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			ylen = 366
		}
		mlen := daysIn(m, y)
		if (len(o.Bymonth) == 0 || containsInt(o.Bymonth, int(m))) &&
			(len(o.Bymonthday) == 0 || containsInt(o.Bymonthday, md) || containsInt(o.Bymonthday, md-mlen-1)) &&
			(len(o.Byyearday) == 0 || containsInt(o.Byyearday, yd) || containsInt(o.Byyearday, yd-ylen-1)) &&
			(len(o.Byweekday) == 0 || wd[d.Weekday()]) {
			return true
		}
		d = d.AddDate(0, 0, 1)
	}
	return false
}

// alignWeek moves a WEEKLY rule's start back to the first day (WKST) of
// DTSTART's week, with the default weekday made explicit. rrule-go, like
// dateutil, builds the first week's candidate set from DTSTART on, which
// shifts BYSETPOS positions in that week; RFC 5545 counts positions over
// the whole week. The caller drops occurrences before DTSTART.
func alignWeek(o rrule.ROption) rrule.ROption {
	start := o.Dtstart
	if len(o.Byweekday) == 0 {
		o.Byweekday = []rrule.Weekday{weekdayOf(start)}
	}
	back := (int(start.Weekday()) - (o.Wkst.Day()+1)%7 + 7) % 7
	o.Dtstart = start.AddDate(0, 0, -back)
	return o
}

// skipAhead moves DTSTART forward by whole periods so that iteration
// starts shortly before target instead of at a DTSTART years earlier. It
// is only valid without COUNT. Defaults rrule-go derives from DTSTART
// (day of month, weekday, month) are made explicit first so that the
// moved start generates exactly the same occurrences.
func skipAhead(o rrule.ROption, target time.Time) rrule.ROption {
	start := o.Dtstart
	if o.Count != 0 || !target.After(start) {
		return o
	}
	noDays := len(o.Byweekno)+len(o.Byyearday)+len(o.Bymonthday)+len(o.Byweekday) == 0
	h, mi, s := start.Clock()
	n := o.Interval
	switch o.Freq {
	case rrule.YEARLY:
		if noDays {
			if len(o.Bymonth) == 0 {
				o.Bymonth = []int{int(start.Month())}
			}
			o.Bymonthday = []int{start.Day()}
		}
		k := (target.Year() - start.Year() - 1) / n
		if k <= 0 {
			return o
		}
		o.Dtstart = time.Date(start.Year()+k*n, 1, 1, h, mi, s, 0, time.UTC)
	case rrule.MONTHLY:
		if noDays {
			o.Bymonthday = []int{start.Day()}
		}
		months := (target.Year()-start.Year())*12 + int(target.Month()-start.Month()) - 1
		k := months / n
		if k <= 0 {
			return o
		}
		first := time.Date(start.Year(), start.Month(), 1, h, mi, s, 0, time.UTC)
		o.Dtstart = first.AddDate(0, k*n, 0)
	case rrule.WEEKLY:
		if noDays {
			o.Byweekday = []rrule.Weekday{weekdayOf(start)}
		}
		// Align on the first day of DTSTART's week (WKST).
		back := (int(start.Weekday()) - (o.Wkst.Day()+1)%7 + 7) % 7
		ws := time.Date(start.Year(), start.Month(), start.Day()-back, h, mi, s, 0, time.UTC)
		k := int(target.Sub(ws).Hours()/24/7)/n - 1
		if k <= 0 {
			return o
		}
		o.Dtstart = ws.AddDate(0, 0, 7*k*n)
	case rrule.DAILY:
		k := int(target.Sub(start).Hours()/24)/n - 1
		if k <= 0 {
			return o
		}
		o.Dtstart = start.AddDate(0, 0, k*n)
	default:
		step := freqUnit(o.Freq) * time.Duration(n)
		k := int64(target.Sub(start)/step) - 1
		if k <= 0 {
			return o
		}
		o.Dtstart = start.Add(time.Duration(k) * step)
	}
	return o
}
