package calendar

import "github.com/kalends/kalends/ical"

// block is one top-level component of a VCALENDAR, as text.
type block struct {
	name string // VEVENT, VTIMEZONE, …
	tzid string // TZID of a VTIMEZONE
	text string // its lines, CRLF-terminated, folding kept
}

// splitComponents returns the components directly inside the VCALENDAR of
// data (the stored text), without re-encoding them (ical.TopLevel: a
// byte-order mark, LF line endings and lower-case names are read too).
func splitComponents(data []byte) []block {
	var out []block
	for _, c := range ical.TopLevel(data) {
		out = append(out, block{name: c.Name, tzid: c.PropValue("TZID"), text: c.Normalized()})
	}
	return out
}
