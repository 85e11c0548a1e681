package ical

import "strings"

// ParamEdit names the property parameters SetParam rewrites: parameter
// Param of the properties named Prop whose value satisfies Match, in the
// components named in Components that are direct children of VCALENDAR
// (VEVENT, VTODO…; never a VALARM inside them).
type ParamEdit struct {
	Components []string
	Prop       string
	Match      func(value string) bool
	Param      string
	Value      string
}

// SetParam sets a parameter in iCalendar text without re-encoding it: the
// server keeps the client's bytes (RFC 4791 §5.3.4) and changes only the
// content lines it must. Each line changed is edited (the parameter
// replaced where it stands, else appended after the others) and folded
// again at 75 octets with the line ending it had (Line.SetParam); every
// other byte is kept. It returns the text and the number of properties
// changed; with none, data itself is returned.
func SetParam(data []byte, e ParamEdit) ([]byte, int) {
	doc := ParseText(data)
	changed := 0
	for _, cal := range doc.Components() {
		if cal.Name != "VCALENDAR" {
			continue
		}
		for _, c := range cal.Components() {
			if !containsFold(e.Components, c.Name) {
				continue
			}
			for _, l := range c.Props() {
				if l.Name() == strings.ToUpper(e.Prop) && e.Match(l.Value()) && l.SetParam(e.Param, e.Value) {
					changed++
				}
			}
		}
	}
	if changed == 0 {
		return data, 0
	}
	return doc.Bytes(), changed
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
