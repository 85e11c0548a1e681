package ical

import (
	"time"

	goical "github.com/emersion/go-ical"
)

// ExpandCalendar returns a copy of cal rewritten as the RFC 4791 §9.6.5
// expand element asks: one component per instance overlapping
// [start, end), without RRULE, RDATE, EXDATE or EXRULE, with DTSTART,
// DTEND/DUE and RECURRENCE-ID in UTC (DATE values stay dates), and without
// VTIMEZONE components. Components keep their other properties and their
// sub-components (VALARM). Errors are those of Expand; on a budget error
// nothing is returned.
func ExpandCalendar(cal *goical.Calendar, start, end time.Time, opts Options) (*goical.Calendar, error) {
	ins, err := Expand(cal, start, end, opts)
	if err != nil {
		return nil, err
	}
	out := &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
	for name, props := range cal.Props {
		out.Props[name] = append([]goical.Prop(nil), props...)
	}
	for _, comp := range cal.Children {
		if comp.Name != "VTIMEZONE" && !isSchedulable(comp.Name) {
			out.Children = append(out.Children, cloneComponent(comp))
		}
	}
	floating := opts.norm().Floating
	for _, in := range ins {
		out.Children = append(out.Children, instanceComponent(in, floating))
	}
	return out, nil
}

// cloneComponent deep-copies comp so that rewriting it leaves cal intact.
func cloneComponent(comp *goical.Component) *goical.Component {
	c := goical.NewComponent(comp.Name)
	for name, props := range comp.Props {
		cp := make([]goical.Prop, len(props))
		for i, p := range props {
			cp[i] = goical.Prop{Name: p.Name, Value: p.Value, Params: goical.Params{}}
			for k, v := range p.Params {
				cp[i].Params[k] = append([]string(nil), v...)
			}
		}
		c.Props[name] = cp
	}
	for _, ch := range comp.Children {
		c.Children = append(c.Children, cloneComponent(ch))
	}
	return c
}

// setTime writes a DATE (as the day in the floating zone all-day values
// were evaluated in) or a UTC DATE-TIME.
func setTime(comp *goical.Component, name string, t time.Time, date bool, floating *time.Location) {
	p := goical.NewProp(name)
	if date {
		p.Params.Set("VALUE", "DATE")
		p.Value = t.In(floating).Format("20060102")
	} else {
		p.Value = t.UTC().Format("20060102T150405Z")
	}
	comp.Props.Set(p)
}

// instanceComponent renders one instance as a stand-alone component.
func instanceComponent(in Instance, floating *time.Location) *goical.Component {
	c := cloneComponent(in.Component)
	for _, name := range []string{"RRULE", "RDATE", "EXDATE", "EXRULE"} {
		c.Props.Del(name)
	}
	hadStart := c.Props.Get("DTSTART") != nil
	if hadStart {
		setTime(c, "DTSTART", in.Start, in.AllDay, floating)
	}
	switch {
	case c.Name == "VTODO" && c.Props.Get("DUE") != nil:
		setTime(c, "DUE", in.End, in.AllDay, floating)
	case c.Props.Get("DTEND") != nil:
		setTime(c, "DTEND", in.End, in.AllDay, floating)
	}
	if in.RecurrenceID.IsZero() {
		c.Props.Del("RECURRENCE-ID")
	} else {
		setTime(c, "RECURRENCE-ID", in.RecurrenceID, in.AllDay, floating)
	}
	return c
}
