package ical

import (
	"bytes"
	"io"
)

// ObjectText is one calendar object rebuilt from a stream: a VCALENDAR
// with its source's properties (METHOD left out), the VTIMEZONEs its
// components reference, then its components, each line CRLF-terminated
// and folding kept as written.
type ObjectText struct {
	Data  []byte
	lines []int32 // the stream line of each line of Data
}

// SourceLine maps a 1-based line of Data to its line in the stream, 0 when
// unknown.
func (t *ObjectText) SourceLine(n int) int {
	if n < 1 || n > len(t.lines) {
		return 0
	}
	return int(t.lines[n-1])
}

// Size is the number of stream bytes the object's components span: an
// upper bound of its text without VTIMEZONEs, known before reading it.
func (o *StreamObject) Size() int64 {
	n := o.first.end - o.first.start
	for _, c := range o.more {
		n += c.end - c.start
	}
	return n
}

// ReadObject rebuilds object o of the indexed stream from ra, which must
// hold the same bytes IndexStream read. Empty lines are dropped; the rest
// is copied, so what a producer wrote is stored as written.
func (ix *StreamIndex) ReadObject(ra io.ReaderAt, o *StreamObject) (*ObjectText, error) {
	comps := append([]streamComp{o.first}, o.more...)
	cal := ix.cals[o.first.cal]
	t := &ObjectText{}
	var b bytes.Buffer
	b.WriteString("BEGIN:VCALENDAR\r\n")
	t.lines = append(t.lines, cal.line)
	b.WriteString(cal.header)
	t.lines = append(t.lines, cal.headerLines...)
	// VTIMEZONEs first, as producers write them, each once.
	seen := map[string]bool{}
	for _, c := range comps {
		for _, tz := range c.tzids {
			if seen[tz] {
				continue
			}
			seen[tz] = true
			if z, ok := ix.cals[c.cal].zones[tz]; ok {
				if err := t.copyRange(&b, ra, z, ""); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, c := range comps {
		uid := ""
		if i == 0 && o.UIDDerived {
			uid = "UID:" + o.UID
		}
		if err := t.copyRange(&b, ra, c, uid); err != nil {
			return nil, err
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	t.lines = append(t.lines, t.lines[len(t.lines)-1])
	t.Data = b.Bytes()
	return t, nil
}

// copyRange appends the lines of one component to b, and extra (when not
// "") after its BEGIN line.
func (t *ObjectText) copyRange(b *bytes.Buffer, ra io.ReaderAt, c streamComp, extra string) error {
	buf := make([]byte, c.end-c.start)
	if n, err := ra.ReadAt(buf, c.start); n < len(buf) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the stream changed since it was indexed
		}
		return err
	}
	if c.start == 0 {
		buf, _ = trimBOM(buf)
	}
	no := c.line
	for len(buf) > 0 {
		var line []byte
		_, line, buf = nextPhysical(buf)
		if len(line) > 0 {
			b.Write(line)
			b.WriteString("\r\n")
			t.lines = append(t.lines, no)
			if extra != "" {
				b.WriteString(extra + "\r\n")
				t.lines = append(t.lines, no)
				extra = ""
			}
		}
		no++
	}
	return nil
}
