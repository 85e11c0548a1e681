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
	n := 0
	for i := 0; i < len(line); {
		size := 1
		for i+size < len(line) && line[i+size]&0xC0 == 0x80 {
			size++
		}
		if n+size > 75 {
			w.WriteString("\r\n ")
			n = 1
		}
		w.WriteString(line[i : i+size])
		n += size
		i += size
	}
	w.WriteString("\r\n")
}
