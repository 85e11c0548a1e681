package ical

import (
	"strings"

	goical "github.com/emersion/go-ical"
)

// SplitByUID splits a calendar (an .ics export, or an iTIP message) into
// one calendar object resource per UID, the way a CalDAV client uploads
// it: overrides stay with their master, each part keeps the VTIMEZONEs its
// components reference and the VCALENDAR properties, and METHOD is
// dropped (a resource must not have one). Components without a UID become
// a part of their own, which Inspect will then reject. Parts come in the
// order their first component appears; the components are shared with
// cal, not copied.
func SplitByUID(cal *goical.Calendar) ([]*goical.Calendar, error) {
	if cal == nil || cal.Component == nil || cal.Name != "VCALENDAR" {
		return nil, &Error{Condition: CondValidData, Reason: "not a VCALENDAR object"}
	}
	tzs := map[string]*goical.Component{}
	for _, comp := range cal.Children {
		if comp.Name == "VTIMEZONE" {
			if p := comp.Props.Get("TZID"); p != nil {
				tzs[cleanTZID(p.Value)] = comp
			}
		}
	}
	var parts []*goical.Calendar
	byUID := map[string]*goical.Calendar{}
	for _, comp := range cal.Children {
		if comp.Name == "VTIMEZONE" {
			continue
		}
		uid := ""
		if p := comp.Props.Get("UID"); p != nil {
			uid = strings.TrimSpace(p.Value)
		}
		part := byUID[uid]
		if part == nil || uid == "" {
			part = &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
			for name, props := range cal.Props {
				if name != "METHOD" {
					part.Props[name] = append([]goical.Prop(nil), props...)
				}
			}
			byUID[uid] = part
			parts = append(parts, part)
		}
		part.Children = append(part.Children, comp)
	}
	// Attach VTIMEZONEs first in each part, as producers write them.
	for _, part := range parts {
		var zones []*goical.Component
		for _, tz := range referencedTZIDs(part.Children) {
			if vt := tzs[cleanTZID(tz)]; vt != nil {
				zones = append(zones, vt)
			}
		}
		part.Children = append(zones, part.Children...)
	}
	return parts, nil
}
