package ical

import (
	"bytes"
	"strings"

	goical "github.com/emersion/go-ical"
)

// maxDepth bounds component nesting; real data needs 3 (VCALENDAR >
// VEVENT > VALARM, or VTIMEZONE > STANDARD), fuzzers go deeper.
const maxDepth = 16

// Parse decodes data as exactly one VCALENDAR, the body of a CalDAV
// calendar object resource. A UTF-8 BOM, CRLF or bare LF line endings and
// folded lines are accepted. Every error is an *Error; syntax and value
// errors carry the line number.
func Parse(data []byte) (*goical.Calendar, error) {
	cals, err := ParseStream(data)
	if err != nil {
		return nil, err
	}
	if len(cals) != 1 {
		return nil, &Error{Condition: CondValidData, Reason: "body must hold exactly one VCALENDAR object"}
	}
	return cals[0], nil
}

// ParseStream decodes an iCalendar stream of one or more VCALENDAR objects
// (RFC 5545 §3.4), as found in .ics exports and imports. It is as strict
// as Parse about syntax and values.
func ParseStream(data []byte) ([]*goical.Calendar, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := parser{}
	if err := p.run(data); err != nil {
		return nil, err
	}
	if len(p.cals) == 0 {
		return nil, &Error{Condition: CondValidData, Reason: "no VCALENDAR object found"}
	}
	return p.cals, nil
}

type parser struct {
	cals  []*goical.Calendar
	stack []*goical.Component
}

// run splits data into logical (unfolded) content lines, remembering the
// physical line each starts on, and feeds them to line.
func (p *parser) run(data []byte) error {
	var cur strings.Builder
	curLine, lineNo := 0, 0
	flush := func() error {
		if curLine == 0 {
			return nil
		}
		err := p.line(cur.String(), curLine)
		cur.Reset()
		curLine = 0
		return err
	}
	for len(data) > 0 {
		lineNo++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			if curLine == 0 {
				return dataErr(lineNo, "continuation line without a preceding content line")
			}
			cur.Write(raw[1:])
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if len(raw) == 0 {
			// RFC 5545 has no empty content lines, but exporters
			// (Exchange, Google, libical) write them between and even
			// inside components; they carry nothing, so they are skipped.
			continue
		}
		cur.Write(raw)
		curLine = lineNo
	}
	if err := flush(); err != nil {
		return err
	}
	if len(p.stack) > 0 {
		return dataErr(lineNo, "missing END:%s", p.stack[len(p.stack)-1].Name)
	}
	return nil
}

func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
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
			return dataErr(lineNo, "END:%s does not close %s", name, top.Name)
		}
		p.stack = p.stack[:len(p.stack)-1]
		if len(p.stack) == 0 {
			p.cals = append(p.cals, &goical.Calendar{Component: top})
		}
		return nil
	}
	if len(p.stack) == 0 {
		return dataErr(lineNo, "property %s outside of any component", prop.Name)
	}
	top := p.stack[len(p.stack)-1]
	if err := validateProp(top.Name, prop); err != nil {
		return dataErr(lineNo, "%s: %s", prop.Name, err.Error())
	}
	top.Props[prop.Name] = append(top.Props[prop.Name], *prop)
	return nil
}
