package ical

import (
	"bytes"
	"strings"
)

// ParamEdit names the property parameters SetParam rewrites: parameter
// Param of the properties named Prop whose value satisfies Match, in the
// components named in Components that are direct children of VCALENDAR
// (VEVENT, VTODO…; never a VALARM inside them).
type ParamEdit struct {
	Components []string
	Prop       string
	Match      func(value string) bool
	Param      string
	Value      string
}

// SetParam sets a parameter in iCalendar text without re-encoding it: the
// server keeps the client's bytes (RFC 4791 §5.3.4) and changes only the
// content lines it must. Each line changed is unfolded, edited (the
// parameter replaced where it stands, else appended after the others),
// and folded again at 75 octets with the line ending it had; every other
// byte is kept. It returns the text and the number of properties changed;
// with none, data itself is returned.
func SetParam(data []byte, e ParamEdit) ([]byte, int) {
	var out bytes.Buffer
	var stack []string
	changed := 0
	for rest := data; len(rest) > 0; {
		// One logical line: a physical line and its folded continuations.
		end := lineEnd(rest)
		for end < len(rest) && (rest[end] == ' ' || rest[end] == '\t') {
			end += lineEnd(rest[end:])
		}
		raw := rest[:end]
		rest = rest[end:]
		line, eol := unfold(raw)
		name, _, _ := strings.Cut(line, ":")
		name, _, _ = strings.Cut(name, ";")
		switch name = strings.ToUpper(name); name {
		case "BEGIN":
			stack = append(stack, strings.ToUpper(strings.TrimSpace(line[len("BEGIN:"):])))
		case "END":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case strings.ToUpper(e.Prop):
			if len(stack) == 2 && stack[0] == "VCALENDAR" && containsFold(e.Components, stack[1]) {
				if edited, ok := editParam(line, e); ok {
					foldWith(&out, edited, eol)
					changed++
					continue
				}
			}
		}
		out.Write(raw)
	}
	if changed == 0 {
		return data, 0
	}
	return out.Bytes(), changed
}

// lineEnd returns the length of the first physical line of b with its
// terminator.
func lineEnd(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i + 1
	}
	return len(b)
}

// unfold joins a logical line's physical lines (RFC 5545 §3.1: a line
// ending followed by one space or tab is removed) and returns it with the
// line ending of its first physical line ("" at the end of the data).
func unfold(raw []byte) (string, string) {
	var b strings.Builder
	eol := ""
	for i := 0; len(raw) > 0; i++ {
		n := lineEnd(raw)
		phys := raw[:n]
		raw = raw[n:]
		text := bytes.TrimSuffix(bytes.TrimSuffix(phys, []byte("\n")), []byte("\r"))
		if i == 0 {
			eol = string(phys[len(text):])
		} else {
			text = text[1:]
		}
		b.Write(text)
	}
	return b.String(), eol
}

// editParam sets e.Param in the content line when its value matches; ok
// is false when it does not match or already has that parameter value.
func editParam(line string, e ParamEdit) (string, bool) {
	i := strings.IndexAny(line, ";:")
	if i < 0 {
		return "", false
	}
	type seg struct{ start, end int }
	var found *seg
	for i < len(line) && line[i] == ';' {
		start := i
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			return "", false
		}
		pname := line[i+1 : i+eq]
		i += eq + 1
		// Values: comma-separated, each quoted or not (RFC 5545 §3.2).
		for {
			if i < len(line) && line[i] == '"' {
				q := strings.IndexByte(line[i+1:], '"')
				if q < 0 {
					return "", false
				}
				i += q + 2
			} else {
				for i < len(line) && line[i] != ',' && line[i] != ';' && line[i] != ':' {
					i++
				}
			}
			if i < len(line) && line[i] == ',' {
				i++
				continue
			}
			break
		}
		if strings.EqualFold(pname, e.Param) && found == nil {
			found = &seg{start, i}
		}
	}
	if i >= len(line) || line[i] != ':' || !e.Match(line[i+1:]) {
		return "", false
	}
	v := e.Value
	if strings.ContainsAny(v, ":;,") {
		v = `"` + v + `"`
	}
	param := ";" + e.Param + "=" + v
	if found == nil {
		return line[:i] + param + line[i:], true
	}
	if line[found.start:found.end] == param {
		return "", false
	}
	return line[:found.start] + param + line[found.end:], true
}

// foldWith writes line folded at 75 octets (FoldLine) with the line
// ending eol instead of CRLF, so a file keeps one kind of line ending.
func foldWith(out *bytes.Buffer, line, eol string) {
	var b strings.Builder
	FoldLine(&b, line)
	s := strings.TrimSuffix(b.String(), "\r\n")
	if fold := eol; fold != "\r\n" {
		if fold == "" {
			fold = "\r\n" // the last line, unterminated: folds still need one
		}
		s = strings.ReplaceAll(s, "\r\n", fold)
	}
	out.WriteString(s + eol)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
