package calendar

import (
	"sort"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

// addMissingTimezones implements the server side of RFC 7809 §3.1: clients
// may leave out the VTIMEZONEs of zones the server knows (Kalends
// advertises calendar-no-timezone), and every object the server hands out
// must carry the VTIMEZONEs it references. The missing ones are written
// from the tz database into the stored text, after the VCALENDAR's own
// properties; the rest of the client's bytes are kept. It returns data
// unchanged when nothing is missing.
func addMissingTimezones(data []byte, cal *goical.Calendar, tzids []string) []byte {
	have := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name == "VTIMEZONE" {
			have[c.Props.Get("TZID").Value] = true
		}
	}
	var add []string
	for _, id := range tzids {
		if have[id] || strings.EqualFold(id, "UTC") {
			continue
		}
		loc, err := ical.ResolveTZID(cal, id)
		if err != nil {
			continue // unresolvable: the object is indexed as floating
		}
		have[id] = true
		add = append(add, ical.VTimezone(loc, id))
	}
	if len(add) == 0 {
		return data
	}
	sort.Strings(add)
	text := string(data)
	// Insert before the first component of the VCALENDAR.
	at := -1
	depth := 0
	for i := 0; i < len(text); {
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text) - i
		}
		line := strings.ToUpper(strings.TrimRight(text[i:i+end], "\r"))
		if strings.HasPrefix(line, "BEGIN:") {
			depth++
			if depth == 2 {
				at = i
				break
			}
		}
		i += end + 1
	}
	if at < 0 {
		return data
	}
	out := make([]byte, 0, len(data)+len(add)*512)
	out = append(out, text[:at]...)
	for _, vt := range add {
		out = append(out, vt...)
	}
	return append(out, text[at:]...)
}
