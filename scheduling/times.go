package scheduling

import (
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

const utcLayout = "20060102T150405Z"

// parseTime reads a DATE or DATE-TIME value. TZIDs resolve as everywhere
// in Kalends (ical.ResolveTZID: IANA, Windows names, in-file VTIMEZONE);
// floating and unresolvable local times are taken as UTC, which is enough
// to compare two versions of the same object.
func parseTime(cal *goical.Calendar, value, tzid string) (t time.Time, date, ok bool) {
	v := strings.TrimSpace(value)
	if len(v) == 8 {
		t, err := time.Parse("20060102", v)
		return t, true, err == nil
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.Parse(utcLayout, v)
		return t, false, err == nil
	}
	loc := time.UTC
	if tzid != "" {
		if l, err := ical.ResolveTZID(cal, tzid); err == nil {
			loc = l
		}
	}
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	return t, false, err == nil
}

// timeKey normalizes a DATE or DATE-TIME value so that the same instant
// written in two zones compares equal: "D20240115" for a date, the UTC
// instant otherwise. RECURRENCE-ID, EXDATE and RDATE are matched by it.
func timeKey(cal *goical.Calendar, value, tzid string) string {
	t, date, ok := parseTime(cal, value, tzid)
	switch {
	case !ok:
		return strings.TrimSpace(value)
	case date:
		return "D" + t.Format("20060102")
	}
	return t.UTC().Format(utcLayout)
}

// KeyOf returns the recurrence key this package uses for an occurrence
// whose UTC RECURRENCE-ID is rid (allDay: a DATE recurrence).
func KeyOf(rid time.Time, allDay bool) string {
	if allDay {
		return "D" + rid.UTC().Format("20060102")
	}
	return rid.UTC().Format(utcLayout)
}

// listKeys returns the normalized values of every prop named name (EXDATE
// and RDATE may hold several values per line and several lines).
func listKeys(cal *goical.Calendar, c *goical.Component, name string) []string {
	var out []string
	if c == nil {
		return nil
	}
	for _, p := range c.Props[name] {
		for _, v := range strings.Split(p.Value, ",") {
			if strings.TrimSpace(v) != "" {
				out = append(out, timeKey(cal, v, p.Params.Get("TZID")))
			}
		}
	}
	sort.Strings(out)
	return out
}

func keySet(l []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range l {
		m[k] = true
	}
	return m
}

// derive builds the occurrence of master that ridProp designates, as a
// standalone override: what an attendee or organizer holding only the
// master sees for that occurrence (RFC 5545 §3.8.4.4). RECURRENCE-ID,
// DTSTART and DTEND/DUE are written in the form of the master's DTSTART
// (same TZID, or DATE) and DTEND keeps the master's duration.
func derive(cal *goical.Calendar, master *goical.Component, ridProp goical.Prop) *goical.Component {
	c := cloneComp(master)
	for _, name := range []string{"RRULE", "RDATE", "EXDATE", "EXRULE"} {
		c.Props.Del(name)
	}
	tzid := propTZID(master, "DTSTART")
	ms, mdate, ok1 := parseTime(cal, propValue(master, "DTSTART"), tzid)
	rs, _, ok2 := parseTime(cal, ridProp.Value, ridProp.Params.Get("TZID"))
	if !ok1 || !ok2 {
		rid := cloneProp(ridProp)
		rid.Name = "RECURRENCE-ID"
		rid.Params.Del("RANGE")
		c.Props.Set(&rid)
		return c
	}
	loc := time.UTC
	if tzid != "" {
		if l, err := ical.ResolveTZID(cal, tzid); err == nil {
			loc = l
		} else {
			tzid = ""
		}
	}
	write := func(name string, t time.Time) {
		p := goical.NewProp(name)
		switch {
		case mdate:
			p.Params.Set("VALUE", "DATE")
			p.Value = t.Format("20060102")
		case tzid != "":
			p.Params.Set("TZID", tzid)
			p.Value = t.In(loc).Format("20060102T150405")
		default:
			p.Value = t.UTC().Format(utcLayout)
		}
		c.Props.Set(p)
	}
	write("RECURRENCE-ID", rs)
	write("DTSTART", rs)
	for _, name := range []string{"DTEND", "DUE"} {
		if p := master.Props.Get(name); p != nil {
			if me, _, ok := parseTime(cal, p.Value, p.Params.Get("TZID")); ok {
				if mdate {
					write(name, rs.AddDate(0, 0, int(me.Sub(ms).Hours()/24)))
				} else {
					write(name, rs.Add(me.Sub(ms)))
				}
			}
		}
	}
	return c
}

// ridProp builds a RECURRENCE-ID for key, written like master's DTSTART
// (DATE, or UTC DATE-TIME).
func ridProp(key string) goical.Prop {
	p := goical.NewProp("RECURRENCE-ID")
	if strings.HasPrefix(key, "D") {
		p.Params.Set("VALUE", "DATE")
		p.Value = key[1:]
	} else {
		p.Value = key
	}
	return *p
}

// ridPropIn returns the RECURRENCE-ID for key as written in set (an
// override's own, or an EXDATE/RDATE value of the master), falling back
// to the normalized form.
func ridPropIn(s *compSet, key string) goical.Prop {
	if c := s.byKey[key]; c != nil && c.Props.Get("RECURRENCE-ID") != nil {
		return cloneProp(*c.Props.Get("RECURRENCE-ID"))
	}
	return ridProp(key)
}

func propTZID(c *goical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Params.Get("TZID")
	}
	return ""
}
