package ical

import (
	"bytes"
	"strings"
)

// Doc is iCalendar text read as a tree of components whose content lines
// keep their bytes: the server keeps what a client wrote (RFC 4791
// §5.3.4) and changes only the lines it must, so every path that splits,
// reads or edits stored text goes through Doc rather than a scanner of
// its own. Writing an unchanged Doc gives back the exact input bytes.
//
// ParseText accepts any bytes: a UTF-8 byte-order mark, CRLF, bare LF or
// mixed line endings, folded lines (also inside a quoted parameter or a
// UTF-8 sequence), empty lines, lower-case names, a missing final line
// ending. It does not validate: that is Parse's job.
type Doc struct {
	bom  bool
	root Comp // holds the top-level components and any stray lines
}

// Comp is one component of a Doc (VCALENDAR, VEVENT, VALARM…): its BEGIN
// line, its content lines and sub-components in their order, its END line.
type Comp struct {
	// Name is the component name in upper case.
	Name   string
	begin  *Line
	body   []part
	end    *Line // nil when the text ends before the component does
	parent *Comp
}

// part is one element of a component's body: a line or a sub-component.
type part struct {
	line *Line
	comp *Comp
}

// ParseText reads data into a Doc. It never fails: a line outside any
// component, an END without BEGIN or a component the text does not close
// is kept where it stands. An END names the component it closes; one
// that names no open component (a typo) closes the innermost.
func ParseText(data []byte) *Doc {
	d := &Doc{}
	data, d.bom = trimBOM(data)
	stack := []*Comp{&d.root}
	for _, l := range logicalLines(data) {
		top := stack[len(stack)-1]
		switch l.name {
		case "BEGIN":
			c := &Comp{Name: strings.ToUpper(strings.TrimSpace(l.Value())), begin: l, parent: top}
			top.body = append(top.body, part{comp: c})
			stack = append(stack, c)
			continue
		case "END":
			if n := closes(stack, strings.ToUpper(strings.TrimSpace(l.Value()))); n > 0 {
				stack[n].end = l
				stack = stack[:n]
				continue
			}
		}
		top.body = append(top.body, part{line: l})
	}
	return d
}

// closes returns the index in stack of the component an END:name closes:
// the innermost open one of that name, else the innermost; 0 (the root)
// when none is open.
func closes(stack []*Comp, name string) int {
	for i := len(stack) - 1; i > 0; i-- {
		if stack[i].Name == name {
			return i
		}
	}
	return len(stack) - 1
}

// logicalLines splits data into content lines. A line continues over
// folded physical lines (a space or tab first), over empty lines followed
// by a folded one, and, after a property, over a physical line that
// cannot begin a content line: a fold that lost its space, as Parse reads
// it. Other empty lines are lines of their own, so nothing is lost.
func logicalLines(data []byte) []*Line {
	var out []*Line
	for no := 1; len(data) > 0; {
		raw, text, rest := nextPhysical(data)
		first, n := no, len(raw)
		no++
		var unfolded strings.Builder
		unfolded.Write(text)
		var blanks, lost []int
		prop := len(text) > 0 && !isBeginEnd(text)
		for len(text) > 0 && len(rest) > 0 {
			skip, lines, next := emptyLinesBeforeFold(rest)
			switch {
			case isFold(next):
				unfolded.Write(next[1:])
				if lines > 1 {
					blanks = append(blanks, no)
				}
			case prop && len(next) > 0 && !startsContentLine(next):
				unfolded.Write(next)
				lost = append(lost, no)
			default:
				skip = 0
			}
			if skip == 0 {
				break
			}
			n += skip
			no += lines
			rest = rest[skip:]
		}
		l := newLine(first, data[:n], unfolded.String())
		l.blanks, l.lost = blanks, lost
		out = append(out, l)
		data = data[n:]
	}
	return out
}

// emptyLinesBeforeFold looks at the physical lines at the start of data:
// when empty lines are followed by a continuation line, or there are no
// empty lines, it returns how many bytes and lines reach to the end of
// the first non-empty line and that line's text. Otherwise (empty lines
// followed by a content line, or by nothing) it returns 0 and the first
// line, so that the empty lines stand alone.
func emptyLinesBeforeFold(data []byte) (n, lines int, text []byte) {
	for rest := data; len(rest) > 0; {
		raw, t, r := nextPhysical(rest)
		n += len(raw)
		lines++
		rest = r
		if len(t) > 0 {
			if lines > 1 && !isFold(t) {
				_, first, _ := nextPhysical(data)
				return 0, 0, first
			}
			return n, lines, t
		}
	}
	return 0, 0, nil
}

// Bytes writes the document back: the input bytes, with the changes made
// since.
func (d *Doc) Bytes() []byte {
	var b bytes.Buffer
	if d.bom {
		b.WriteString(utf8BOM)
	}
	d.root.write(&b)
	return b.Bytes()
}

// HasBOM reports whether the text began with a UTF-8 byte-order mark
// (kept by Bytes, skipped by everything else).
func (d *Doc) HasBOM() bool { return d.bom }

// Components returns the top-level components: the VCALENDARs, or bare
// components as some exporters write them.
func (d *Doc) Components() []*Comp { return d.root.Components() }

// Calendar returns the first top-level VCALENDAR, nil when there is none.
func (d *Doc) Calendar() *Comp {
	for _, c := range d.Components() {
		if c.Name == "VCALENDAR" {
			return c
		}
	}
	return nil
}

// Walk calls fn for every component, parents before their children, in
// text order; when fn returns false the component's children are
// skipped. fn may remove the component it is given.
func (d *Doc) Walk(fn func(c *Comp) bool) { d.root.walkChildren(fn) }

// Components returns c's direct sub-components in order.
func (c *Comp) Components() []*Comp {
	var out []*Comp
	for _, p := range c.body {
		if p.comp != nil {
			out = append(out, p.comp)
		}
	}
	return out
}

// Props returns c's own content lines in order (not its BEGIN and END,
// nor its sub-components' lines, nor empty lines).
func (c *Comp) Props() []*Line {
	var out []*Line
	for _, p := range c.body {
		if p.line != nil && p.line.name != "" {
			out = append(out, p.line)
		}
	}
	return out
}

// Prop returns c's first property named name (case-insensitive), nil
// when there is none.
func (c *Comp) Prop(name string) *Line {
	name = strings.ToUpper(name)
	for _, p := range c.body {
		if p.line != nil && p.line.name == name {
			return p.line
		}
	}
	return nil
}

// PropValue returns the value of c's first property named name, "" when
// there is none.
func (c *Comp) PropValue(name string) string {
	if l := c.Prop(name); l != nil {
		return l.Value()
	}
	return ""
}

// Parent returns the component c is in; nil for a top-level component.
func (c *Comp) Parent() *Comp {
	if c.parent == nil || c.parent.begin == nil {
		return nil
	}
	return c.parent
}

// Walk calls fn for c and every component inside it, as Doc.Walk does.
func (c *Comp) Walk(fn func(c *Comp) bool) {
	if fn(c) {
		c.walkChildren(fn)
	}
}

func (c *Comp) walkChildren(fn func(c *Comp) bool) {
	for _, ch := range c.Components() { // a copy: fn may remove ch
		ch.Walk(fn)
	}
}

// Remove takes c, with all its lines, out of the text.
func (c *Comp) Remove() {
	if c.parent == nil {
		return
	}
	for i, p := range c.parent.body {
		if p.comp == c {
			c.parent.body = append(c.parent.body[:i:i], c.parent.body[i+1:]...)
			break
		}
	}
	c.parent = nil
}

// RemoveProps removes c's own properties for which drop returns true and
// returns how many it removed.
func (c *Comp) RemoveProps(drop func(l *Line) bool) int {
	kept := c.body[:0:0]
	for _, p := range c.body {
		if p.line != nil && p.line.name != "" && drop(p.line) {
			continue
		}
		kept = append(kept, p)
	}
	n := len(c.body) - len(kept)
	c.body = kept
	return n
}

// InsertBefore inserts the components (and any lines) of text just
// before c, as its siblings; text is written as given.
func (c *Comp) InsertBefore(text []byte) {
	if c.parent == nil {
		return
	}
	add := ParseText(text).root.body
	for _, p := range add {
		if p.comp != nil {
			p.comp.parent = c.parent
		}
	}
	for i, p := range c.parent.body {
		if p.comp == c {
			c.parent.body = append(c.parent.body[:i:i], append(add, c.parent.body[i:]...)...)
			return
		}
	}
}

// InsertProp inserts the content line content (unfolded, without line
// ending) before c's i-th property, after the last one when i is
// len(c.Props()). It is folded at 75 octets with the line ending of c's
// BEGIN line.
func (c *Comp) InsertProp(i int, content string) {
	eol := "\r\n"
	if c.begin != nil && c.begin.EOL() != "" {
		eol = c.begin.EOL()
	}
	l := newLine(0, []byte(foldWith(content, eol)), content)
	at, seen := len(c.body), 0
	for k, p := range c.body {
		if p.comp != nil || p.line.name != "" && seen == i {
			at = k
			break
		}
		if p.line.name != "" {
			seen++
		}
	}
	c.body = append(c.body[:at:at], append([]part{{line: l}}, c.body[at:]...)...)
}

// Bytes returns c's text as read, from its BEGIN line to its END line,
// with the changes made since.
func (c *Comp) Bytes() []byte {
	var b bytes.Buffer
	c.write(&b)
	return b.Bytes()
}

// Normalized returns c's text with every physical line ended by CRLF and
// empty lines dropped, folding kept: what goes into a document of CRLF
// lines (an export, a feed) whatever line endings the client used.
func (c *Comp) Normalized() string {
	var b bytes.Buffer
	c.eachLine(func(l *Line) { l.crlf(&b) })
	return b.String()
}

func (c *Comp) write(b *bytes.Buffer) {
	c.eachLine(func(l *Line) { b.Write(l.raw) })
}

// eachLine calls fn for every line of c in text order, BEGIN and END
// included.
func (c *Comp) eachLine(fn func(l *Line)) {
	if c.begin != nil {
		fn(c.begin)
	}
	for _, p := range c.body {
		if p.comp != nil {
			p.comp.eachLine(fn)
		} else {
			fn(p.line)
		}
	}
	if c.end != nil {
		fn(c.end)
	}
}
