package ical

import (
	"strings"

	goical "github.com/emersion/go-ical"
)

// SplitByUID splits a calendar (an .ics export, or an iTIP message) into
// one calendar object resource per UID, the way a CalDAV client uploads
// it:
//
//   - overrides (RECURRENCE-ID) stay with their master;
//   - each part keeps the VCALENDAR properties except METHOD (a resource
//     must not have one) and the VTIMEZONEs its components reference;
//   - when a stream holds several versions of the same component (same
//     UID and RECURRENCE-ID), the one with the highest SEQUENCE is kept,
//     the later one on a tie, as clients do when importing;
//   - components of different types sharing a UID (a VEVENT and a VTODO)
//     go to different parts, since RFC 4791 §4.1 forbids mixing types;
//   - components without UID become a part of their own: a client must
//     assign a UID before storing them, and Inspect rejects them as they
//     are;
//   - top-level components other than VEVENT, VTODO, VJOURNAL, VFREEBUSY,
//     VAVAILABILITY and VTIMEZONE (X- components) are left out.
//
// Parts come in the order their first component appears. The components
// are shared with cal, not copied.
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
	byKey := map[string]*goical.Calendar{}
	for _, comp := range cal.Children {
		if !isSchedulable(comp.Name) {
			continue
		}
		uid := ""
		if p := comp.Props.Get("UID"); p != nil {
			uid = strings.TrimSpace(p.Value)
		}
		key := comp.Name + "\x00" + uid
		part := byKey[key]
		if part == nil || uid == "" {
			part = &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
			for name, props := range cal.Props {
				if name != "METHOD" {
					part.Props[name] = append([]goical.Prop(nil), props...)
				}
			}
			byKey[key] = part
			parts = append(parts, part)
		}
		addVersion(part, comp)
	}
	// VTIMEZONEs go first in each part, as producers write them.
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

// addVersion appends comp to part, or replaces the version of the same
// occurrence already there if comp's SEQUENCE is not lower.
func addVersion(part *goical.Calendar, comp *goical.Component) {
	rid := func(c *goical.Component) string {
		if p := c.Props.Get("RECURRENCE-ID"); p != nil {
			return strings.TrimSpace(p.Value)
		}
		return ""
	}
	seq := func(c *goical.Component) int {
		if p := c.Props.Get("SEQUENCE"); p != nil {
			n, _ := atoiN(strings.TrimSpace(p.Value))
			return n
		}
		return 0
	}
	r := rid(comp)
	for i, old := range part.Children {
		if rid(old) == r {
			if seq(comp) >= seq(old) {
				part.Children[i] = comp
			}
			return
		}
	}
	part.Children = append(part.Children, comp)
}
