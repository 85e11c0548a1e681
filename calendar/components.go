package calendar

import "strings"

// block is one top-level component of a VCALENDAR, as text.
type block struct {
	name string // VEVENT, VTIMEZONE, …
	tzid string // TZID of a VTIMEZONE
	text string // its lines, CRLF-terminated, folding kept
}

// splitComponents returns the components directly inside the VCALENDAR of
// data (the stored, already validated text), without re-encoding them.
func splitComponents(data []byte) []block {
	var out []block
	var cur *strings.Builder
	var name, tzid string
	depth := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		l := strings.TrimRight(line, "\r\n")
		if l == "" {
			continue
		}
		upper := strings.ToUpper(l)
		if strings.HasPrefix(upper, "BEGIN:") {
			depth++
			if depth == 2 {
				name, tzid, cur = strings.TrimPrefix(upper, "BEGIN:"), "", &strings.Builder{}
			}
		}
		if depth >= 2 && cur != nil {
			cur.WriteString(l + "\r\n")
			if depth == 2 && strings.HasPrefix(upper, "TZID:") {
				tzid = l[len("TZID:"):]
			}
		}
		if strings.HasPrefix(upper, "END:") {
			if depth == 2 && cur != nil {
				out = append(out, block{name: name, tzid: tzid, text: cur.String()})
				cur = nil
			}
			depth--
		}
	}
	return out
}
