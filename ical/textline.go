package ical

import (
	"bytes"
	"strings"
)

// This file is the one place that reads iCalendar content lines as text
// (RFC 5545 §3.1): physical lines and their terminators, folding, names,
// parameters (quoted or not) and values. ParseText, Parse, IndexStream,
// SetParam and WrapBareComponents all read lines through it.

// utf8BOM is the byte-order mark some producers (Outlook, Windows tools)
// put before BEGIN:VCALENDAR. It is not content: readers skip it.
const utf8BOM = "\xef\xbb\xbf"

// trimBOM returns data without a leading UTF-8 byte-order mark, and
// whether there was one.
func trimBOM(data []byte) ([]byte, bool) {
	if bytes.HasPrefix(data, []byte(utf8BOM)) {
		return data[len(utf8BOM):], true
	}
	return data, false
}

// nextPhysical cuts the first physical line off data: the line with its
// terminator (LF or CRLF; none at the end of data), the line without it,
// and the rest.
func nextPhysical(data []byte) (raw, text, rest []byte) {
	n := len(data)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		n = i + 1
	}
	raw, rest = data[:n], data[n:]
	return raw, bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r")), rest
}

// isFold reports a continuation line: a physical line starting with a
// space or a tab continues the line before it (RFC 5545 §3.1).
func isFold(b []byte) bool { return len(b) > 0 && (b[0] == ' ' || b[0] == '\t') }

func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// lineName returns the name of an unfolded content line, upper case: the
// property name, or BEGIN and END. Names are case-insensitive (RFC 5545
// §2.1), so every reader compares this form.
func lineName(s string) string {
	i := 0
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	return strings.ToUpper(s[:i])
}

// splitContentLine splits "NAME;params:value" into the upper-case name,
// the parameters (with their leading ';') and the value. A colon inside a
// quoted parameter value does not end the parameters.
func splitContentLine(s string) (name, params, value string) {
	name = lineName(s)
	i := len(name)
	quoted := false
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return name, s[i:j], s[j+1:]
			}
		}
	}
	return name, s[i:], ""
}

// paramValue returns the first value of parameter name in params
// (";A=x;B="y""), unquoted; "" when absent.
func paramValue(params, name string) string {
	for params != "" {
		params = strings.TrimPrefix(params, ";")
		eq := strings.IndexByte(params, '=')
		if eq < 0 {
			return ""
		}
		pname, rest := params[:eq], params[eq+1:]
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return ""
			}
			v, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexAny(rest, ";,")
			if end < 0 {
				end = len(rest)
			}
			v, rest = rest[:end], rest[end:]
		}
		if strings.EqualFold(pname, name) {
			return v
		}
		// Skip further values of a multi-valued parameter.
		for strings.HasPrefix(rest, ",") {
			end := strings.IndexByte(rest, ';')
			if end < 0 {
				return ""
			}
			rest = rest[end:]
		}
		params = rest
	}
	return ""
}

// paramSpan is where one parameter (";NAME=v1,v2") lies in a content line.
type paramSpan struct {
	name       string
	start, end int
}

// scanParams reads the parameters of an unfolded content line strictly
// (RFC 5545 §3.1: values comma-separated, each quoted or not) and returns
// them with the index of the colon that starts the value; ok is false
// when the line is malformed (an unterminated quote, no colon), which an
// editor must then leave alone.
func scanParams(line string) (params []paramSpan, colon int, ok bool) {
	i := len(lineName(line))
	for i < len(line) && line[i] == ';' {
		start := i
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			return nil, 0, false
		}
		name := line[i+1 : i+eq]
		i += eq + 1
		for {
			if i < len(line) && line[i] == '"' {
				q := strings.IndexByte(line[i+1:], '"')
				if q < 0 {
					return nil, 0, false
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
		params = append(params, paramSpan{name, start, i})
	}
	if i >= len(line) || line[i] != ':' {
		return nil, 0, false
	}
	return params, i, true
}

// withParam returns line with parameter name set to value: replaced
// where it stands (its first occurrence), else appended after the other
// parameters. A value holding ':', ';' or ',' is quoted. ok is false when
// the line is malformed or already has exactly that parameter.
func withParam(line, name, value string) (string, bool) {
	params, colon, ok := scanParams(line)
	if !ok {
		return "", false
	}
	if strings.ContainsAny(value, ":;,") {
		value = `"` + value + `"`
	}
	param := ";" + name + "=" + value
	for _, p := range params {
		if strings.EqualFold(p.name, name) {
			if line[p.start:p.end] == param {
				return "", false
			}
			return line[:p.start] + param + line[p.end:], true
		}
	}
	return line[:colon] + param + line[colon:], true
}

// foldWith returns line folded at 75 octets (FoldLine) with the line
// ending eol instead of CRLF, so a file keeps one kind of line ending.
// An unterminated line (eol "", the last of a file) stays unterminated;
// its folds still need a line ending, CRLF.
func foldWith(line, eol string) string {
	var b strings.Builder
	FoldLine(&b, line)
	s := strings.TrimSuffix(b.String(), "\r\n")
	if fold := eol; fold != "\r\n" {
		if fold == "" {
			fold = "\r\n"
		}
		s = strings.ReplaceAll(s, "\r\n", fold)
	}
	return s + eol
}

// startsContentLine reports whether a physical line can begin a content
// line: a name followed by ";", ":" or "=" (the last for the "NAME=value"
// typo that Parse reports itself), or a bare name, which Parse rejects.
// Anything else ("l Latham;CUTYPE=...", "<p>text") cannot, so after a
// property it is a continuation that lost its folding space.
func startsContentLine(b []byte) bool {
	i := 0
	for i < len(b) && isNameChar(b[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	return i == len(b) || b[i] == ';' || b[i] == ':' || b[i] == '='
}

// isBeginEnd reports a BEGIN: or END: line, which no fold can continue.
func isBeginEnd(b []byte) bool {
	s := strings.ToUpper(string(b[:min(len(b), 6)]))
	return strings.HasPrefix(s, "BEGIN:") || strings.HasPrefix(s, "END:")
}

// Line is one content line of iCalendar text as ParseText read it: its
// physical lines kept byte for byte (folds, line endings, empty lines
// inside a fold), and the unfolded text they make.
type Line struct {
	// No is the 1-based physical line it begins on in the text parsed
	// (after a byte-order mark); 0 for a line added since.
	No   int
	raw  []byte
	text string
	name string
	// blanks and lost are the physical lines where the line continues
	// after empty lines, and over a line that lost its folding space:
	// repairs Parse reports as warnings.
	blanks, lost []int
}

// NewLine returns a content line the server writes: content (unfolded,
// without line ending) folded at 75 octets, CRLF-terminated.
func NewLine(content string) *Line {
	return newLine(0, []byte(foldWith(content, "\r\n")), content)
}

func newLine(no int, raw []byte, text string) *Line {
	return &Line{No: no, raw: raw, text: text, name: lineName(text)}
}

// Name is the property name in upper case ("DTSTART", "X-FOO"), or BEGIN
// or END; "" for an empty line or one that starts with no name.
func (l *Line) Name() string { return l.name }

// Text is the unfolded content line, without its line ending.
func (l *Line) Text() string { return l.text }

// Raw is the line's bytes as read: every physical line with its
// terminator. It must not be modified.
func (l *Line) Raw() []byte { return l.raw }

// Value is the text after the first colon outside double quotes (RFC
// 5545 §3.1: a quoted parameter value may hold colons); "" when none.
func (l *Line) Value() string {
	_, _, v := splitContentLine(l.text)
	return v
}

// Param is the first value of parameter name (case-insensitive),
// without its quotes; "" when absent.
func (l *Line) Param(name string) string {
	_, params, _ := splitContentLine(l.text)
	return paramValue(params, name)
}

// EOL is the line ending of the line's first physical line: "\r\n",
// "\n", or "" at the end of unterminated text.
func (l *Line) EOL() string {
	raw, text, _ := nextPhysical(l.raw)
	return string(raw[len(text):])
}

// SetParam sets parameter name to value (replaced where it stands, else
// appended after the other parameters; quoted when it holds ':', ';' or
// ','). The line is folded anew at 75 octets with its own line ending.
// It reports false, changing nothing, when the line already has that
// value or is malformed (an unterminated quote, no colon).
func (l *Line) SetParam(name, value string) bool {
	edited, ok := withParam(l.text, name, value)
	if ok {
		l.set(edited)
	}
	return ok
}

// SetValue replaces the value, keeping name and parameters, and folds
// the line anew; it reports false when the line has no colon.
func (l *Line) SetValue(value string) bool {
	_, params, _ := splitContentLine(l.text)
	if len(l.name)+len(params) >= len(l.text) || l.text[len(l.name)+len(params)] != ':' {
		return false
	}
	l.set(l.text[:len(l.name)+len(params)+1] + value)
	return true
}

func (l *Line) set(text string) {
	l.raw = []byte(foldWith(text, l.EOL()))
	l.text, l.name = text, lineName(text)
}

// Normalized returns the line's physical lines each ended by CRLF,
// empty ones dropped, folding kept.
func (l *Line) Normalized() string {
	var b bytes.Buffer
	l.crlf(&b)
	return b.String()
}

// crlf appends the line's non-empty physical lines to b, each ended
// with CRLF, folding kept.
func (l *Line) crlf(b *bytes.Buffer) {
	for rest := l.raw; len(rest) > 0; {
		var text []byte
		_, text, rest = nextPhysical(rest)
		if len(text) > 0 {
			b.Write(text)
			b.WriteString("\r\n")
		}
	}
}
