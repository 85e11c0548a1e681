package ical

import (
	"sort"
	"time"

	"github.com/teambition/rrule-go"
)

// weeknoIterator generates a YEARLY rule with BYWEEKNO. The years it steps
// through are week-numbering years, counted from the one DTSTART falls in
// (libical's reading, and the only one under which INTERVAL keeps week 53
// or week 1 aligned: 2024-12-31 is in week 1 of 2025). rrule-go counts
// calendar years instead, which gives other weeks as soon as INTERVAL > 1
// and DTSTART lies in a week belonging to a neighbouring year.
//
// Within a year the candidate days are the days of the listed weeks
// (weeks start on WKST, week 1 has at least four days of the year),
// filtered by BYDAY (weekday only), BYMONTH and BYYEARDAY, combined with
// the BYHOUR/BYMINUTE/BYSECOND times and reduced by BYSETPOS.
func weeknoIterator(o rrule.ROption) rrule.Next {
	wkst := time.Weekday((o.Wkst.Day() + 1) % 7)
	week1 := func(y int) time.Time {
		jan1 := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		off := (int(jan1.Weekday()) - int(wkst) + 7) % 7
		if off <= 3 {
			return jan1.AddDate(0, 0, -off)
		}
		return jan1.AddDate(0, 0, 7-off)
	}
	start := o.Dtstart
	day0 := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	year := start.Year()
	if day0.Before(week1(year)) {
		year--
	} else if !day0.Before(week1(year + 1)) {
		year++
	}
	var wd [7]bool
	for _, d := range o.Byweekday {
		wd[(d.Day()+1)%7] = true
	}
	clock := func(l []int, def int) []int {
		if len(l) == 0 {
			return []int{def}
		}
		return l
	}
	hours, mins, secs := clock(o.Byhour, start.Hour()), clock(o.Byminute, start.Minute()), clock(o.Bysecond, start.Second())
	var pending []time.Time
	done := false
	return func() (time.Time, bool) {
		for len(pending) == 0 && !done {
			if year > 9999 {
				done = true
				break
			}
			pending = weeknoYear(o, year, week1(year), week1(year+1), wd, hours, mins, secs)
			year += o.Interval
			for len(pending) > 0 && pending[0].Before(start) {
				pending = pending[1:]
			}
		}
		if len(pending) == 0 {
			return time.Time{}, false
		}
		t := pending[0]
		if !o.Until.IsZero() && t.After(o.Until) {
			done, pending = true, nil
			return time.Time{}, false
		}
		pending = pending[1:]
		return t, true
	}
}

// weeknoYear lists the occurrences of one week-numbering year.
func weeknoYear(o rrule.ROption, year int, first, next time.Time, wd [7]bool, hours, mins, secs []int) []time.Time {
	weeks := int(next.Sub(first).Hours()/24) / 7
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, n := range o.Byweekno {
		if n < 0 {
			n += weeks + 1
		}
		if n < 1 || n > weeks {
			continue
		}
		ws := first.AddDate(0, 0, 7*(n-1))
		for i := 0; i < 7; i++ {
			d := ws.AddDate(0, 0, i)
			if seen[d] || len(o.Byweekday) > 0 && !wd[d.Weekday()] ||
				len(o.Bymonth) > 0 && !containsInt(o.Bymonth, int(d.Month())) {
				continue
			}
			if len(o.Byyearday) > 0 {
				ylen := time.Date(d.Year(), 12, 31, 0, 0, 0, 0, time.UTC).YearDay()
				if yd := d.YearDay(); !containsInt(o.Byyearday, yd) && !containsInt(o.Byyearday, yd-ylen-1) {
					continue
				}
			}
			seen[d] = true
			days = append(days, d)
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	var set []time.Time
	for _, d := range days {
		for _, h := range hours {
			for _, m := range mins {
				for _, s := range secs {
					set = append(set, d.Add(time.Duration(h)*time.Hour+time.Duration(m)*time.Minute+time.Duration(s)*time.Second))
				}
			}
		}
	}
	if len(o.Bysetpos) == 0 {
		return set
	}
	var out []time.Time
	for _, p := range o.Bysetpos {
		i := p - 1
		if p < 0 {
			i = len(set) + p
		}
		if i >= 0 && i < len(set) {
			out = append(out, set[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
