package ical

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// genFirstYear and genLastYear bound the transitions written into a
// generated VTIMEZONE. Yearly patterns still running at the end are written
// as open-ended RRULEs, so the result stays right after genLastYear.
const (
	genFirstYear = 1970
	genLastYear  = 2040
)

// genTransition is one change of UTC offset.
type genTransition struct {
	at       time.Time // the instant, UTC
	from, to int       // offsets in seconds
	name     string
	dst      bool
}

// VTimezone writes a VTIMEZONE component (RFC 5545 §3.6.5) for loc under
// the given TZID, from the tz database's transitions: one STANDARD or
// DAYLIGHT sub-component per run of years sharing a rule (an RRULE), or per
// one-off change. Used where RFC 7809 lets clients omit the time zones the
// server knows, and for calendar-timezone-id.
func VTimezone(loc *time.Location, tzid string) string {
	key := loc.String() + "\x00" + tzid
	if v, ok := vtimezoneCache.Load(key); ok {
		return v.(string)
	}
	text := buildVTimezone(loc, tzid)
	vtimezoneCache.Store(key, text)
	return text
}

// vtimezoneCache keeps generated VTIMEZONEs: a zone's rules do not change
// while the process runs, and writing one walks seventy years of
// transitions. Zones are few, so the cache stays small.
var vtimezoneCache sync.Map

func buildVTimezone(loc *time.Location, tzid string) string {
	trans := genTransitions(loc)
	var b strings.Builder
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:" + tzid + "\r\n")
	if len(trans) == 0 {
		name, off := time.Date(genFirstYear, 1, 1, 0, 0, 0, 0, loc).Zone()
		genObservance(&b, genTransition{from: off, to: off, name: name}, time.Date(genFirstYear, 1, 1, 0, 0, 0, 0, time.UTC), "")
	}
	// Standard and daylight transitions alternate: group each kind apart,
	// then write each run of yearly repetitions as one RRULE.
	groups := map[[3]int][]genTransition{}
	var order [][3]int
	for _, tr := range trans {
		k := [3]int{tr.from, tr.to, boolInt(tr.dst)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], tr)
	}
	for _, k := range order {
		g := groups[k]
		for i := 0; i < len(g); {
			j := i + 1
			for j < len(g) && genSameRule(g[j-1], g[j]) {
				j++
			}
			tr := g[i]
			local := tr.at.Add(time.Duration(tr.from) * time.Second)
			if j-i == 1 {
				genObservance(&b, tr, local, "")
			} else {
				rule := "FREQ=YEARLY;BYMONTH=" + fmt.Sprint(int(local.Month())) + ";BYDAY=" + genByDay(local)
				if last := g[j-1]; last.at.Year() < genLastYear-1 {
					rule += ";UNTIL=" + last.at.UTC().Format("20060102T150405Z")
				}
				genObservance(&b, tr, local, rule)
			}
			i = j
		}
	}
	b.WriteString("END:VTIMEZONE\r\n")
	return b.String()
}

// VCalendarTimezone wraps VTimezone in a VCALENDAR, the form of the
// CALDAV:calendar-timezone property (RFC 4791 §5.2.2).
func VCalendarTimezone(loc *time.Location, tzid string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//Kalends//EN\r\n" + VTimezone(loc, tzid) + "END:VCALENDAR\r\n"
}

func genTransitions(loc *time.Location) []genTransition {
	var out []genTransition
	t := time.Date(genFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	limit := time.Date(genLastYear, 12, 31, 0, 0, 0, 0, time.UTC)
	for {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || end.After(limit) {
			return out
		}
		if !end.After(t) {
			// Past the last explicit transition Go evaluates the zone's TZ
			// rule one year at a time and may report a bound that is not
			// ahead of t: step a day and ask again.
			t = t.Add(24 * time.Hour)
			continue
		}
		_, from := end.Add(-time.Second).In(loc).Zone()
		name, to := end.In(loc).Zone()
		if from != to || len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, genTransition{at: end.UTC(), from: from, to: to, name: name, dst: end.In(loc).IsDST()})
		}
		// Step past the boundary: at the instant itself some zones report the
		// zone that ends there.
		t = end.Add(time.Second)
	}
}

// genSameRule reports whether b is a's rule one year later.
func genSameRule(a, b genTransition) bool {
	la, lb := a.at.Add(time.Duration(a.from)*time.Second), b.at.Add(time.Duration(b.from)*time.Second)
	return a.from == b.from && a.to == b.to && a.name == b.name && a.dst == b.dst &&
		lb.Year() == la.Year()+1 && la.Month() == lb.Month() && la.Weekday() == lb.Weekday() &&
		genByDay(la) == genByDay(lb) && la.Format("150405") == lb.Format("150405")
}

// byDay names the weekday of the month of t as an RRULE BYDAY: "-1SU" for
// the last one of the month, else "2SU" and the like.
func genByDay(t time.Time) string {
	wd := strings.ToUpper(t.Weekday().String()[:2])
	if t.AddDate(0, 0, 7).Month() != t.Month() {
		return "-1" + wd
	}
	return fmt.Sprint((t.Day()-1)/7+1) + wd
}

func genObservance(b *strings.Builder, tr genTransition, local time.Time, rule string) {
	kind := "STANDARD"
	if tr.dst {
		kind = "DAYLIGHT"
	}
	b.WriteString("BEGIN:" + kind + "\r\n")
	b.WriteString("DTSTART:" + local.Format("20060102T150405") + "\r\n")
	if rule != "" {
		b.WriteString("RRULE:" + rule + "\r\n")
	}
	b.WriteString("TZOFFSETFROM:" + genUTCOffset(tr.from) + "\r\nTZOFFSETTO:" + genUTCOffset(tr.to) + "\r\n")
	if tr.name != "" && !strings.ContainsAny(tr.name, "+-") {
		b.WriteString("TZNAME:" + tr.name + "\r\n")
	}
	b.WriteString("END:" + kind + "\r\n")
}

// genUTCOffset formats seconds east of UTC as an iCalendar UTC-OFFSET.
func genUTCOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
