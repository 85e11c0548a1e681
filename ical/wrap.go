package ical

import "strings"

// WrapBareComponents puts each top-level component that is not a
// VCALENDAR (a bare VEVENT, as some exporters and RFC 2445 example streams
// write) into a VCALENDAR of its own, leaving VCALENDARs as they are. It is
// what an importing client does before reading such a stream; Parse itself
// refuses bare components.
func WrapBareComponents(data []byte) []byte {
	var b strings.Builder
	depth, wrapped := 0, false
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		u := strings.ToUpper(strings.TrimSpace(line))
		if strings.HasPrefix(u, "BEGIN:") {
			if depth == 0 && u != "BEGIN:VCALENDAR" {
				b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//import//EN\r\n")
				wrapped = true
			}
			depth++
		}
		if line != "" {
			b.WriteString(line + "\r\n")
		}
		if strings.HasPrefix(u, "END:") {
			depth--
			if depth == 0 && wrapped {
				b.WriteString("END:VCALENDAR\r\n")
				wrapped = false
			}
		}
	}
	return []byte(b.String())
}
