package ical

import (
	"bytes"
	"io"
	"sort"
	"strings"

	goical "github.com/emersion/go-ical"
)

// EncodeText writes cal as iCalendar text (RFC 5545 §3.1): CRLF line
// ends, lines folded at 75 octets without splitting a UTF-8 sequence,
// parameter values quoted when they hold ':', ';' or ',' and a literal '"'
// written as ^' (RFC 6868). Unlike go-ical's encoder it does not refuse components
// that lack DTSTAMP or UID, nor quotes in parameters: it is for writing
// what was read (splitting, importing, exporting), not for validating.
// go-ical keeps properties in a map, so their order is canonical here:
// UID, DTSTAMP, DTSTART first, then by name.
func EncodeText(cal *goical.Calendar) []byte {
	var b bytes.Buffer
	encodeComponent(&b, cal.Component)
	return b.Bytes()
}

var propOrder = map[string]int{"VERSION": 1, "PRODID": 2, "UID": 3, "DTSTAMP": 4, "DTSTART": 5}

func encodeComponent(b *bytes.Buffer, c *goical.Component) {
	FoldLine(b, "BEGIN:"+c.Name)
	names := make([]string, 0, len(c.Props))
	for n := range c.Props {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := propOrder[names[i]], propOrder[names[j]]
		if oi != oj {
			if oi == 0 {
				return false
			}
			if oj == 0 {
				return true
			}
			return oi < oj
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		for _, p := range c.Props[n] {
			FoldLine(b, encodeProp(&p))
		}
	}
	for _, child := range c.Children {
		encodeComponent(b, child)
	}
	FoldLine(b, "END:"+c.Name)
}

func encodeProp(p *goical.Prop) string {
	var s strings.Builder
	s.WriteString(p.Name)
	keys := make([]string, 0, len(p.Params))
	for k := range p.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.WriteString(";" + k + "=")
		for i, v := range p.Params[k] {
			if i > 0 {
				s.WriteByte(',')
			}
			// Parse keeps RFC 6868 escapes as written, so only a literal
			// quote (from code that built the value) needs one.
			v = strings.ReplaceAll(v, `"`, "^'")
			if strings.ContainsAny(v, ":;,") {
				v = `"` + v + `"`
			}
			s.WriteString(v)
		}
	}
	s.WriteString(":" + p.Value)
	return s.String()
}

// FoldLine writes one content line with its CRLF, folded at 75 octets
// (RFC 5545 §3.1) without splitting a UTF-8 sequence.
func FoldLine(w io.StringWriter, line string) {
	// Whole segments are written at once: a call per character made
	// folding the bulk of encoding a calendar.
	limit := 75 // octets of the first physical line; later ones start with a space
	for len(line) > limit {
		cut := limit
		for cut > 0 && line[cut]&0xC0 == 0x80 {
			cut-- // back to the start of the sequence the limit falls in
		}
		if cut == 0 { // not UTF-8: a run of continuation octets, kept whole
			for cut = limit; cut < len(line) && line[cut]&0xC0 == 0x80; cut++ {
			}
		}
		w.WriteString(line[:cut])
		w.WriteString("\r\n ")
		line = line[cut:]
		limit = 74
	}
	w.WriteString(line)
	w.WriteString("\r\n")
}
