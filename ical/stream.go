package ical

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
)

// StreamIndex says where the calendar objects of an iCalendar stream lie,
// without holding the stream's text: IndexStream reads a stream once and
// ReadObject rebuilds one object from the stream's bytes. It is how a
// large .ics file is imported in bounded memory (the largest object plus
// this index), and it groups components as SplitByUID does, across the
// whole stream: overrides (RECURRENCE-ID) join their master wherever they
// appear, of two versions of one occurrence the one with the higher
// SEQUENCE is kept (the later one on a tie), and each object gets the
// VTIMEZONEs it references from the VCALENDAR its components came from.
type StreamIndex struct {
	// Objects are the calendar objects in the order their first component
	// appears: one per UID, and one per component without UID.
	Objects []*StreamObject
	// Problems are defects of the stream that belong to no object: an
	// END without BEGIN, a VTIMEZONE that does not parse.
	Problems []*Error
	// Warnings are what the index skipped without rejecting anything:
	// content outside any VCALENDAR, a component out of place, an empty
	// VCALENDAR.
	Warnings []Warning
	// Bytes and Lines are the size of the stream read.
	Bytes int64
	Lines int

	cals []streamCal
}

// StreamObject is one calendar object of a stream.
type StreamObject struct {
	// UID is the object's UID. A component without one gets one derived
	// from its content (UIDDerived), as importing clients assign one (RFC
	// 5545 §3.8.4.7 requires it), so that reading the stream again gives
	// the same UID; ReadObject writes it into the component.
	UID        string
	UIDDerived bool
	Name       string // its first component's name: VEVENT, VTODO…
	Line       int    // the line its first component begins on
	// Err is set when the stream itself shows the object broken (a
	// component or its VCALENDAR not closed): it must not be stored.
	Err *Error

	first streamComp
	more  []streamComp
}

// streamComp is one top-level component of a stream.
type streamComp struct {
	cal        int32
	line       int32
	start, end int64 // byte range, from its BEGIN line to the end of its END line
	seq        int32
	rid        string
	tzids      []string
}

// streamCal is one VCALENDAR: its properties and its VTIMEZONEs.
type streamCal struct {
	line        int32   // its BEGIN line
	header      string  // property lines (METHOD left out), CRLF-terminated
	headerLines []int32 // the source line of each header line
	zones       map[string]streamComp
}

// maxLogical bounds how much of one content line the index keeps: the
// names, parameters and short values it reads fit in far less, and a
// calendar property longer than this is skipped with a warning.
const maxLogical = 64 << 10

// topLevelOnly are components that never nest: a BEGIN of one inside a
// component means that component's END is missing.
var topLevelOnly = map[string]bool{
	"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VAVAILABILITY": true, "VTIMEZONE": true,
}

// IndexStream reads an iCalendar stream (RFC 5545 §3.4: one or more
// VCALENDARs; bare components, as some exporters write, are taken as if
// each were wrapped in a VCALENDAR of its own, like WrapBareComponents)
// and returns its index. Only the structure is checked here; each object's
// content is validated when it is read back and parsed. An error means the
// stream as a whole is unusable: it is not iCalendar, holds no VCALENDAR,
// or could not be read.
func IndexStream(r io.Reader) (*StreamIndex, error) {
	s := &streamScanner{ix: &StreamIndex{}, byUID: map[string]int{}, uidLine: map[string]int{}, headers: map[string]string{},
		tzids: map[string]string{}, sum: sha256.New(), derived: map[string]int{}, badZones: map[zoneKey]*Error{}}
	lr := &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
	var cur logicalLine
	pending := false
	for {
		text, start, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if lr.no == 1 {
			text, _ = trimBOM(text)
		}
		switch {
		case len(text) == 0:
			// Empty lines carry nothing (Parse skips them too); one inside
			// a folded line does not end it.
			continue
		case isFold(text) && pending:
			cur.add(text[1:])
			cur.end = lr.off
			continue
		}
		if pending {
			if err := s.handle(&cur); err != nil {
				return nil, err
			}
		}
		cur = logicalLine{line: lr.no, start: start, end: lr.off}
		cur.add(text)
		pending = true
	}
	if pending {
		if err := s.handle(&cur); err != nil {
			return nil, err
		}
	}
	s.finish(lr.no)
	s.ix.Bytes, s.ix.Lines = lr.off, lr.no
	if !s.seen {
		return nil, dataErr(0, "no VCALENDAR object found")
	}
	return s.ix, nil
}

// lineReader reads physical lines of any length, keeping at most
// maxLogical bytes of each.
type lineReader struct {
	r   *bufio.Reader
	off int64 // offset of the next line
	no  int   // number of the last line read
	buf []byte
}

// next returns the next physical line without its terminator (valid until
// the next call) and its start offset; ok is false at the end.
func (lr *lineReader) next() (text []byte, start int64, ok bool, err error) {
	start = lr.off
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.off += int64(len(chunk))
		if room := maxLogical + 2 - len(lr.buf); room > 0 {
			lr.buf = append(lr.buf, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if lr.off == start {
				return nil, start, false, nil
			}
		} else if err != nil {
			return nil, start, false, err
		}
		break
	}
	lr.no++
	return bytes.TrimRight(lr.buf, "\r\n"), start, true, nil
}

// logicalLine is one unfolded content line (RFC 5545 §3.1), cut at
// maxLogical bytes, with where it lies in the stream.
type logicalLine struct {
	text       []byte
	long       bool
	line       int
	start, end int64
}

func (l *logicalLine) add(b []byte) {
	if room := maxLogical - len(l.text); room < len(b) {
		b, l.long = b[:max(room, 0)], true
	}
	l.text = append(l.text, b...)
}

// streamScanner is the state of IndexStream.
type streamScanner struct {
	ix      *StreamIndex
	byUID   map[string]int    // component name and UID → index in ix.Objects
	uidLine map[string]int    // UID → index of its first object
	headers map[string]string // interned calendar headers
	tzids   map[string]string // interned TZIDs
	seen    bool              // a VCALENDAR or component has begun

	depth    int // 0 outside, 1 in a VCALENDAR, 2 and more in a component
	calLine  int
	implicit bool // the current VCALENDAR wraps one bare component
	header   strings.Builder
	hLines   []int32
	zones    map[string]streamComp
	calObjs  []int // objects with a component in the current VCALENDAR
	calComps int   // top-level components in the current VCALENDAR
	comp     *openComp
	sum      hash.Hash          // of the open component's lines, for derived UIDs
	derived  map[string]int     // derived UID → how many components had it
	badZones map[zoneKey]*Error // VTIMEZONEs that do not parse
}

// zoneKey names one VTIMEZONE: its VCALENDAR and TZID.
type zoneKey struct {
	cal  int32
	tzid string
}

// openComp is the top-level component being read.
type openComp struct {
	name  string
	c     streamComp
	uid   string
	tzid  string // of a VTIMEZONE
	noUID bool
	// text and lines hold a VTIMEZONE's lines, checked at its END.
	text  strings.Builder
	lines []int32
}

func (s *streamScanner) warn(line int, format string, args ...any) {
	s.ix.Warnings = append(s.ix.Warnings, Warning{Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (s *streamScanner) intern(m map[string]string, v string) string {
	if old, ok := m[v]; ok {
		return old
	}
	m[v] = v
	return v
}

// handle reads one logical line.
func (s *streamScanner) handle(l *logicalLine) error {
	name, params, value := splitContentLine(string(l.text))
	switch name {
	case "BEGIN":
		err := s.begin(strings.ToUpper(strings.TrimSpace(value)), l)
		s.record(l)
		return err
	case "END":
		s.record(l)
		s.end(strings.ToUpper(strings.TrimSpace(value)), l)
		return nil
	}
	s.record(l)
	switch {
	case s.depth == 0 && !s.seen:
		return &Error{Condition: CondValidData, Line: l.line,
			Reason: fmt.Sprintf("not iCalendar: line %d does not begin a VCALENDAR (%q)", l.line, truncate(string(l.text), 40))}
	case s.depth == 0:
		s.warn(l.line, "content outside any VCALENDAR ignored")
	case s.depth == 1:
		s.headerLine(name, l)
	case s.comp == nil:
		// Inside a component that is not kept (an X- component).
	default:
		s.componentLine(name, params, value)
	}
	return nil
}

// record feeds a line of the open top-level component to its hash and,
// for a VTIMEZONE, to its text.
func (s *streamScanner) record(l *logicalLine) {
	c := s.comp
	if c == nil {
		return
	}
	s.sum.Write(l.text)
	s.sum.Write([]byte{'\n'})
	if c.name == "VTIMEZONE" && c.text.Len() < maxLogical {
		n := c.text.Len()
		FoldLine(&c.text, string(l.text))
		for range strings.Count(c.text.String()[n:], "\r\n") {
			c.lines = append(c.lines, int32(l.line))
		}
	}
}

func (s *streamScanner) headerLine(name string, l *logicalLine) {
	switch {
	case name == "METHOD":
		// A calendar object resource must not have one (RFC 4791 §4.1).
	case l.long:
		s.warn(l.line, "calendar property %s longer than %d bytes skipped", name, maxLogical)
	default:
		var b strings.Builder
		FoldLine(&b, string(l.text))
		s.header.WriteString(b.String())
		for range strings.Count(b.String(), "\r\n") {
			s.hLines = append(s.hLines, int32(l.line))
		}
	}
}

func (s *streamScanner) componentLine(name, params, value string) {
	c := s.comp
	if tz := paramValue(params, "TZID"); tz != "" {
		tz = s.intern(s.tzids, cleanTZID(tz))
		if !containsString(c.c.tzids, tz) {
			c.c.tzids = append(c.c.tzids, tz)
		}
	}
	if s.depth != 2 {
		return // a sub-component's (VALARM) properties say nothing of the object
	}
	switch name {
	case "UID":
		c.uid = strings.TrimSpace(value)
		c.noUID = c.uid == ""
	case "RECURRENCE-ID":
		c.c.rid = strings.TrimSpace(value)
	case "SEQUENCE":
		n, _ := atoiN(strings.TrimSpace(value))
		c.c.seq = int32(n)
	case "TZID":
		if c.name == "VTIMEZONE" {
			c.tzid = cleanTZID(value)
		}
	}
}

func (s *streamScanner) begin(name string, l *logicalLine) error {
	switch {
	case s.depth == 0 && name == "VCALENDAR":
		s.openCal(l.line, false)
		return nil
	case s.depth == 0:
		if !s.seen && !topLevelOnly[name] {
			return &Error{Condition: CondValidData, Line: l.line,
				Reason: fmt.Sprintf("not iCalendar: the stream begins with %q, not VCALENDAR", truncate(name, 40))}
		}
		s.openCal(l.line, true) // a bare component
	case name == "VCALENDAR":
		s.notClosed(l.line)
		s.openCal(l.line, false)
		return nil
	case s.depth >= 2 && topLevelOnly[name]:
		// A VEVENT does not nest: the open component lacks its END.
		s.componentNotClosed()
	}
	s.depth++
	if s.depth == 2 {
		s.comp = nil
		s.calComps++
		switch {
		case topLevelOnly[name]:
			s.comp = &openComp{name: name, noUID: true, c: streamComp{line: int32(l.line), start: l.start, cal: int32(len(s.ix.cals) - 1)}}
			s.sum.Reset()
		case !strings.HasPrefix(name, "X-"):
			// RFC 5545 §3.6: a VCALENDAR holds calendar components and
			// x-comps; a STANDARD or VALARM out of place (RFC 2445 example
			// streams have them) holds nothing to store.
			s.warn(l.line, "%s cannot stand directly in a VCALENDAR; ignored", truncate(name, 40))
		}
	}
	return nil
}

func (s *streamScanner) end(name string, l *logicalLine) {
	switch {
	case s.depth == 0:
		s.ix.Problems = append(s.ix.Problems, dataErr(l.line, "END:%s without BEGIN", truncate(name, 40)))
	case name == "VCALENDAR" && s.depth > 1:
		s.componentNotClosed()
		s.closeCal()
	case s.depth == 1 && name == "VCALENDAR":
		if s.calComps == 0 {
			// RFC 5545 §3.4 wants at least one component; parser test
			// files often have none. There is nothing to store either way.
			s.warn(s.calLine, "the VCALENDAR beginning on line %d holds no component: nothing to import", s.calLine)
		}
		s.closeCal()
	case s.depth == 1:
		s.ix.Problems = append(s.ix.Problems, dataErr(l.line, "END:%s without BEGIN", truncate(name, 40)))
	default:
		// Any END closes the innermost component: Parse checks names
		// when the object is read back.
		s.depth--
		if s.depth == 1 {
			s.finishComp(l.end, nil)
			if s.implicit {
				s.closeCal()
			}
		}
	}
}

func (s *streamScanner) openCal(line int, implicit bool) {
	s.seen, s.depth, s.calLine, s.implicit = true, 1, line, implicit
	s.header.Reset()
	s.hLines, s.zones, s.calObjs, s.calComps = nil, nil, nil, 0
	if implicit {
		s.header.WriteString("VERSION:2.0\r\nPRODID:-//Kalends//import//EN\r\n")
		s.hLines = []int32{int32(line), int32(line)}
	}
	s.ix.cals = append(s.ix.cals, streamCal{})
}

// closeCal ends the current VCALENDAR and stores what its objects need.
func (s *streamScanner) closeCal() {
	h := s.intern(s.headers, s.header.String())
	s.ix.cals[len(s.ix.cals)-1] = streamCal{line: int32(s.calLine), header: h, headerLines: s.hLines, zones: s.zones}
	s.depth, s.comp, s.calObjs = 0, nil, nil
}

// notClosed handles a VCALENDAR that ends (a new one begins, or the
// stream ends) without END:VCALENDAR: a truncated stream. Its objects are
// rejected rather than stored from a VCALENDAR that may be incomplete.
func (s *streamScanner) notClosed(line int) {
	if s.depth == 0 {
		return
	}
	s.componentNotClosed()
	msg := fmt.Sprintf("the VCALENDAR beginning on line %d is not closed before line %d (truncated?)", s.calLine, line)
	for _, i := range s.calObjs {
		if o := s.ix.Objects[i]; o.Err == nil {
			o.Err = dataErr(o.Line, "%s", msg)
		}
	}
	if len(s.calObjs) == 0 {
		s.ix.Problems = append(s.ix.Problems, dataErr(s.calLine, "%s", msg))
	}
	s.closeCal()
}

// componentNotClosed rejects the open component, which has no END.
func (s *streamScanner) componentNotClosed() {
	if s.depth < 2 {
		return
	}
	if s.comp != nil {
		s.finishComp(s.comp.c.start, dataErr(int(s.comp.c.line), "%s beginning on line %d has no END:%s", s.comp.name, s.comp.c.line, s.comp.name))
	}
	s.depth, s.comp = 1, nil
}

// finishComp files the component just read under its object.
func (s *streamScanner) finishComp(end int64, bad *Error) {
	c := s.comp
	s.comp = nil
	if c == nil {
		return
	}
	c.c.end = end
	if c.name == "VTIMEZONE" {
		if bad == nil {
			s.finishZone(c)
		}
		return
	}
	if c.noUID || c.uid == "" {
		sum := s.sum.Sum(nil)
		c.uid = "import-" + hex.EncodeToString(sum[:16])
		if n := s.derived[c.uid] + 1; n > 1 {
			s.derived[c.uid] = n
			c.uid += "-" + strconv.Itoa(n)
		} else {
			s.derived[c.uid] = 1
		}
	}
	// Keyed by type and UID, as SplitByUID does: a VTODO sharing a
	// VEVENT's UID is another object, which the UID check below rejects.
	key, i, ok := c.name+"\x00"+c.uid, -1, false
	if !c.noUID {
		i, ok = s.byUID[key]
	}
	if !ok {
		i = len(s.ix.Objects)
		o := &StreamObject{UID: c.uid, UIDDerived: c.noUID, Name: c.name, Line: int(c.c.line), first: c.c}
		s.ix.Objects = append(s.ix.Objects, o)
		if !c.noUID {
			s.byUID[key] = i
			if other, taken := s.uidLine[c.uid]; taken {
				o.Err = &Error{Condition: CondValidObject, Line: o.Line, Reason: fmt.Sprintf(
					"UID %q is already used by the %s beginning on line %d: a calendar holds one object per UID (RFC 4791 §5.3.2.1)",
					truncate(c.uid, 80), s.ix.Objects[other].Name, s.ix.Objects[other].Line)}
			} else {
				s.uidLine[c.uid] = i
			}
		}
	} else {
		s.ix.Objects[i].addVersion(c.c)
	}
	o := s.ix.Objects[i]
	if bad != nil && o.Err == nil {
		o.Err = bad
	}
	if len(s.calObjs) == 0 || s.calObjs[len(s.calObjs)-1] != i {
		s.calObjs = append(s.calObjs, i)
	}
}

// addVersion adds c to o, or replaces the version of the same occurrence
// if c's SEQUENCE is not lower (as SplitByUID does).
func (o *StreamObject) addVersion(c streamComp) {
	if o.first.rid == c.rid {
		if c.seq >= o.first.seq {
			o.first = c
		}
		return
	}
	for i := range o.more {
		if o.more[i].rid == c.rid {
			if c.seq >= o.more[i].seq {
				o.more[i] = c
			}
			return
		}
	}
	o.more = append(o.more, c)
}

// finish closes what the end of the stream left open.
func (s *streamScanner) finish(lastLine int) {
	if s.depth > 0 {
		s.notClosed(lastLine + 1)
	}
	// A broken VTIMEZONE that an object uses fails that object when it is
	// read back and parsed; one that none uses is reported here.
	if len(s.badZones) > 0 {
		for _, o := range s.ix.Objects {
			for _, c := range append([]streamComp{o.first}, o.more...) {
				for _, tz := range c.tzids {
					delete(s.badZones, zoneKey{c.cal, tz})
				}
			}
		}
		for _, err := range s.badZones {
			s.ix.Problems = append(s.ix.Problems, err)
		}
		sort.Slice(s.ix.Problems, func(i, j int) bool { return s.ix.Problems[i].Line < s.ix.Problems[j].Line })
	}
	s.byUID, s.uidLine, s.headers, s.tzids, s.derived, s.badZones = nil, nil, nil, nil, nil, nil
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// finishZone files a VTIMEZONE under its TZID, checking that it parses:
// a producer's broken zone must not pass unnoticed because no object
// happened to use it.
func (s *streamScanner) finishZone(c *openComp) {
	key := zoneKey{c.c.cal, s.intern(s.tzids, c.tzid)}
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//check//EN\r\n" + c.text.String() + "END:VCALENDAR\r\n"
	_, err := Parse([]byte(text))
	var ie *Error
	switch {
	case errors.As(err, &ie):
		line := int(c.c.line)
		if n := ie.Line - 4; n >= 0 && n < len(c.lines) {
			line = int(c.lines[n])
		}
		s.badZones[key] = dataErr(line, "VTIMEZONE %s: %s", truncate(c.tzid, 40), ie.Reason)
	case err != nil:
		s.badZones[key] = dataErr(int(c.c.line), "VTIMEZONE %s: %v", truncate(c.tzid, 40), err)
	case c.tzid == "":
		s.warn(int(c.c.line), "VTIMEZONE without TZID ignored: nothing can refer to it")
		return
	}
	if s.zones == nil {
		s.zones = map[string]streamComp{}
	}
	s.zones[key.tzid] = c.c
}
