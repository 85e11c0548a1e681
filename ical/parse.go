package ical

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

// maxDepth bounds component nesting; real data needs 3 (VCALENDAR >
// VEVENT > VALARM, or VTIMEZONE > STANDARD), fuzzers go deeper.
const maxDepth = 16

// Parse decodes data as exactly one VCALENDAR, the body of a CalDAV
// calendar object resource. A UTF-8 BOM, CRLF or bare LF line endings and
// folded lines are accepted. Every error is an *Error; syntax and value
// errors carry the line number.
//
// Parse is lenient: it repairs the producer defects listed on
// ParseWithWarnings (a real-world server must accept those files) and
// silently drops the warnings. Callers that want to log the repairs use
// ParseWithWarnings instead.
func Parse(data []byte) (*goical.Calendar, error) {
	cal, _, err := ParseWithWarnings(data)
	return cal, err
}

// ParseWithWarnings is Parse, also reporting what was repaired. The
// repairs are made on the parsed copy only (the caller keeps and stores
// the bytes it received), and each is reported as a Warning with its
// line:
//
//   - an empty line inside an object is skipped, and one between a
//     folded line and its continuation is dropped so that the two join
//     (python-icalendar's multiple_calendar_components fixture);
//   - a line that cannot start a content line (its first word is not a
//     property name followed by ";", ":" or "=") directly after a property
//     line is taken as a continuation that lost its leading space
//     (Confluence folds that way);
//   - a property with parameters but no colon and no value, and a
//     "NAME=value" line, are ignored (Sixt, python-icalendar's
//     timezone_rdate fixture); a bare word without any separator is still
//     an error, as RFC 5545 and the test corpus want;
//   - a property after the END:VCALENDAR that closes an object is ignored
//     (Podio appends a comment there);
//   - an END whose name is one typo (one letter changed, added, dropped or
//     two letters swapped) away from the open component's name closes it
//     (END:VTOOD for VTODO); an END naming another open component is
//     still "missing END";
//   - a DATE written with a UTC designator (RDATE:20131210Z, Google
//     birthdays) loses the Z, and a DATE-TIME whose time has four or five
//     digits (T1300Z, RFC 2446 examples) gets its missing seconds as
//     zeros;
//   - a TZOFFSETFROM with out-of-range digits (+5328, a local mean time
//     written without its hours) is replaced by the observance's
//     TZOFFSETTO: it only positions that observance's onset. An invalid
//     TZOFFSETTO, the offset actually in force, is still an error;
//   - a double quote escaped with a backslash in a TEXT value (\", which
//     Podio writes) is read as the double quote RFC 5545 §3.3.11 writes
//     unescaped; RepairText makes the same repair in the text to store.
//     Any other backslash sequence than \\, \;, \, and \n is still an
//     error;
//   - an RRULE with a non-Gregorian RSCALE (RFC 7529) is kept, and a
//     warning says that expansion yields only its DTSTART (see Expand);
//     one with SKIP=FORWARD or BACKWARD is kept with a warning that
//     invalid dates are omitted (SKIP=OMIT) instead.
//
// Everything else Parse rejects, it still rejects.
func ParseWithWarnings(data []byte) (*goical.Calendar, []Warning, error) {
	cals, warns, err := ParseStreamWithWarnings(data)
	if err != nil {
		return nil, warns, err
	}
	if len(cals) != 1 {
		return nil, warns, &Error{Condition: CondValidData, Reason: "body must hold exactly one VCALENDAR object"}
	}
	return cals[0], warns, nil
}

// ParseStream decodes an iCalendar stream of one or more VCALENDAR objects
// (RFC 5545 §3.4), as found in .ics exports and imports. It is as lenient
// as Parse, and as strict about everything it does not repair.
func ParseStream(data []byte) ([]*goical.Calendar, error) {
	cals, _, err := ParseStreamWithWarnings(data)
	return cals, err
}

// ParseStreamWithWarnings is ParseStream, also reporting what was
// repaired (see ParseWithWarnings). Warnings are returned with an error
// too: they can help explain it.
func ParseStreamWithWarnings(data []byte) ([]*goical.Calendar, []Warning, error) {
	data, _ = trimBOM(data)
	p := parser{}
	if err := p.run(data); err != nil {
		return nil, p.warns, err
	}
	if len(p.cals) == 0 {
		return nil, p.warns, &Error{Condition: CondValidData, Reason: "no VCALENDAR object found"}
	}
	return p.cals, p.warns, nil
}

type parser struct {
	cals  []*goical.Calendar
	stack []*goical.Component
	warns []Warning
	// badFrom remembers, per open STANDARD/DAYLIGHT, the line of an
	// unusable TZOFFSETFROM to replace once TZOFFSETTO is known.
	badFrom map[*goical.Component]int
}

func (p *parser) warn(line int, format string, args ...any) {
	p.warns = append(p.warns, Warning{Line: line, Reason: fmt.Sprintf(format, args...)})
}

// run reads data's content lines (logicalLines: unfolded, with the
// repairs of lost folds and empty lines inside folds) and feeds them to
// line, reporting those repairs as warnings.
func (p *parser) run(data []byte) error {
	lines := logicalLines(data)
	for i, l := range lines {
		if l.text == "" {
			// RFC 5545 has no empty content lines, but exporters
			// (Exchange, Google, libical) write them between and even
			// inside components; they carry nothing, so they are skipped
			// (one warning for a run of them).
			if len(p.stack) > 0 && (i == 0 || lines[i-1].text != "") {
				p.warn(l.No, "empty line inside %s ignored", p.stack[len(p.stack)-1].Name)
			}
			continue
		}
		if isFold([]byte(l.text)) {
			return dataErr(l.No, "continuation line without a preceding content line")
		}
		for _, no := range l.blanks {
			p.warn(no, "empty line inside a folded content line ignored")
		}
		for _, no := range l.lost {
			// A fold that lost its leading space: what follows the
			// break cannot begin a content line, and the line before is
			// a property value it can continue.
			p.warn(no, "line without leading space read as the continuation of line %d", l.No)
		}
		if err := p.line(l.text, l.No); err != nil {
			return err
		}
	}
	if len(p.stack) > 0 {
		return dataErr(physicalLines(data), "missing END:%s", p.stack[len(p.stack)-1].Name)
	}
	return nil
}

// physicalLines counts data's physical lines, the last one unterminated
// or not.
func physicalLines(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// hasCTL reports control characters RFC 5545 §3.1 forbids in content
// (everything below 0x20 except HTAB, and DEL).
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// line parses one unfolded content line: name *(";" param) ":" value.
func (p *parser) line(s string, lineNo int) error {
	if hasCTL(s) {
		return dataErr(lineNo, "control character in content line")
	}
	if !utf8.ValidString(s) {
		// RFC 5545 §3.1.4: iCalendar text is UTF-8, and CalDAV serves it
		// labelled so; other bytes would reach clients as broken text.
		return dataErr(lineNo, "content line is not valid UTF-8")
	}
	i := 0
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	if i == 0 {
		return dataErr(lineNo, "content line does not start with a property name")
	}
	prop := goical.Prop{Name: strings.ToUpper(s[:i]), Params: goical.Params{}}
	for i < len(s) && s[i] == ';' {
		i++
		j := i
		for i < len(s) && isNameChar(s[i]) {
			i++
		}
		if i == j || i >= len(s) || s[i] != '=' {
			return dataErr(lineNo, "malformed parameter in %s", prop.Name)
		}
		pname := strings.ToUpper(s[j:i])
		i++
		for {
			var v string
			if i < len(s) && s[i] == '"' {
				k := strings.IndexByte(s[i+1:], '"')
				if k < 0 {
					return dataErr(lineNo, "unterminated quoted parameter value in %s", prop.Name)
				}
				v = s[i+1 : i+1+k]
				i += k + 2
			} else {
				j := i
				for i < len(s) && s[i] != ';' && s[i] != ':' && s[i] != ',' {
					if s[i] == '"' {
						return dataErr(lineNo, "stray double quote in parameter %s", pname)
					}
					i++
				}
				v = s[j:i]
			}
			prop.Params[pname] = append(prop.Params[pname], v)
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			break
		}
	}
	if i >= len(s) || s[i] != ':' {
		switch {
		case i >= len(s) && len(prop.Params) > 0:
			// "ORGANIZER;CN=Sixt SE": the line ends after well-formed
			// parameters, so only the value is missing. The property
			// carries nothing usable and is left out.
			p.warn(lineNo, "property %s has parameters but no colon and no value; ignored", prop.Name)
			return nil
		case i < len(s) && s[i] == '=' && len(prop.Params) == 0 && prop.Name != "BEGIN" && prop.Name != "END":
			// "SUMMARY=testevent": "=" where ":" belongs. Guessing
			// that the value follows would turn a typo into data.
			p.warn(lineNo, "content line %q has \"=\" instead of a colon; ignored", truncate(s, 40))
			return nil
		}
		return dataErr(lineNo, "missing colon after property %s", prop.Name)
	}
	prop.Value = s[i+1:]
	return p.prop(&prop, lineNo)
}

func (p *parser) prop(prop *goical.Prop, lineNo int) error {
	switch prop.Name {
	case "BEGIN":
		name := strings.ToUpper(strings.TrimSpace(prop.Value))
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return r > 127 || !isNameChar(byte(r)) }) >= 0 {
			return dataErr(lineNo, "invalid component name %q", prop.Value)
		}
		if len(p.stack) == 0 && name != "VCALENDAR" {
			return dataErr(lineNo, "top-level component is %s, not VCALENDAR", name)
		}
		if len(p.stack) >= maxDepth {
			return dataErr(lineNo, "components nested too deeply")
		}
		if len(p.stack) > 0 && name == "VCALENDAR" {
			return dataErr(lineNo, "VCALENDAR nested inside %s", p.stack[len(p.stack)-1].Name)
		}
		c := goical.NewComponent(name)
		if len(p.stack) > 0 {
			parent := p.stack[len(p.stack)-1]
			parent.Children = append(parent.Children, c)
		}
		p.stack = append(p.stack, c)
		return nil
	case "END":
		name := strings.ToUpper(strings.TrimSpace(prop.Value))
		if len(p.stack) == 0 {
			return dataErr(lineNo, "END:%s without BEGIN", name)
		}
		top := p.stack[len(p.stack)-1]
		if top.Name != name {
			if !oneTypo(name, top.Name) || p.isOpen(name) {
				return dataErr(lineNo, "END:%s does not close %s", name, top.Name)
			}
			p.warn(lineNo, "END:%s read as END:%s (misspelt component name)", name, top.Name)
		}
		if err := p.closeObservance(top); err != nil {
			return err
		}
		p.stack = p.stack[:len(p.stack)-1]
		if len(p.stack) == 0 {
			p.cals = append(p.cals, &goical.Calendar{Component: top})
		}
		return nil
	}
	if len(p.stack) == 0 {
		if len(p.cals) > 0 {
			// Podio appends "X-COMMENT:Cached from ..." after
			// END:VCALENDAR. Nothing can own such a property.
			p.warn(lineNo, "property %s after END:VCALENDAR ignored", prop.Name)
			return nil
		}
		return dataErr(lineNo, "property %s outside of any component", prop.Name)
	}
	top := p.stack[len(p.stack)-1]
	for _, w := range normalizeTimes(prop) {
		p.warn(lineNo, "%s", w)
	}
	if msg, err := repairTextEscapes(prop); err != nil {
		return dataErr(lineNo, "%s: %s", prop.Name, err.Error())
	} else if msg != "" {
		p.warn(lineNo, "%s", msg)
	}
	if err := validateProp(top.Name, prop); err != nil {
		if prop.Name == "TZOFFSETFROM" && (top.Name == "STANDARD" || top.Name == "DAYLIGHT") && offsetShaped(prop.Value) {
			// Replaced by TZOFFSETTO when the observance ends.
			if p.badFrom == nil {
				p.badFrom = map[*goical.Component]int{}
			}
			p.badFrom[top] = lineNo
		} else {
			return dataErr(lineNo, "%s: %s", prop.Name, err.Error())
		}
	}
	if prop.Name == "RRULE" || prop.Name == "EXRULE" {
		if r, err := parseRecur(prop.Value); err == nil && r.rscale != "" {
			p.warn(lineNo, "%s uses RSCALE=%s (RFC 7529), which is not supported: only DTSTART is expanded", prop.Name, r.rscale)
		} else if err == nil && r.skip != "" {
			p.warn(lineNo, "%s SKIP=%s (RFC 7529) is not supported: invalid dates are omitted instead", prop.Name, r.skip)
		}
	}
	top.Props[prop.Name] = append(top.Props[prop.Name], *prop)
	return nil
}

// isOpen reports whether a component named name is open.
func (p *parser) isOpen(name string) bool {
	for _, c := range p.stack {
		if c.Name == name {
			return true
		}
	}
	return false
}

// closeObservance replaces an out-of-range TZOFFSETFROM of the STANDARD
// or DAYLIGHT being closed by its TZOFFSETTO. TZOFFSETFROM only says how
// to read the observance's DTSTART (and which offset applied before it);
// the onsets this repair can shift are historic ones like 1893's.
func (p *parser) closeObservance(c *goical.Component) error {
	line, ok := p.badFrom[c]
	if !ok {
		return nil
	}
	delete(p.badFrom, c)
	to := c.Props.Get("TZOFFSETTO")
	if to == nil {
		return dataErr(line, "TZOFFSETFROM: invalid UTC offset")
	}
	from := c.Props.Get("TZOFFSETFROM")
	p.warn(line, "TZOFFSETFROM %s is out of range; TZOFFSETTO %s used instead", from.Value, to.Value)
	from.Value = to.Value
	return nil
}
