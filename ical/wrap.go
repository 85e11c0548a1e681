package ical

import "bytes"

// WrapBareComponents puts each top-level component that is not a
// VCALENDAR (a bare VEVENT, as some exporters and RFC 2445 example streams
// write) into a VCALENDAR of its own, leaving VCALENDARs as they are. It is
// what an importing client does before reading such a stream; Parse itself
// refuses bare components. The result has CRLF line endings and no empty
// lines; folding and a byte-order mark are kept.
func WrapBareComponents(data []byte) []byte {
	doc := ParseText(data)
	var b bytes.Buffer
	if doc.HasBOM() {
		b.WriteString(utf8BOM)
	}
	for _, p := range doc.root.body {
		switch {
		case p.line != nil:
			p.line.crlf(&b)
		case p.comp.Name == "VCALENDAR":
			b.WriteString(p.comp.Normalized())
		default:
			b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//import//EN\r\n")
			b.WriteString(p.comp.Normalized())
			b.WriteString("END:VCALENDAR\r\n")
		}
	}
	return b.Bytes()
}
