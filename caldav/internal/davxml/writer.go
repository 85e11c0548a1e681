package davxml

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlWriter is a small namespace-aware XML writer. It never uses a default
// namespace: every namespaced name gets a prefix, so unqualified names stay
// in no namespace. Well-known namespaces are declared once on the root with
// stable prefixes; others are declared on the element where they are used.
type xmlWriter struct {
	w     *bufio.Writer
	err   error
	binds []binding // in-scope prefix bindings, innermost last
	open  []openElem
}

type binding struct{ prefix, space string }

type openElem struct {
	qname string
	nbind int // len(binds) before this element's declarations
}

func newXMLWriter(w io.Writer) *xmlWriter {
	return &xmlWriter{w: bufio.NewWriter(w)}
}

func (x *xmlWriter) str(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// escaped writes character data, escaping markup characters. Carriage
// returns are written as character references so that CRLF line endings
// (as in iCalendar data) survive XML end-of-line normalisation. Characters
// not allowed in XML are replaced by U+FFFD.
func (x *xmlWriter) escaped(s string) { x.escape(s, false) }

// escapedAttr is escaped for attribute values, which also need quotes,
// tabs and newlines escaped.
func (x *xmlWriter) escapedAttr(s string) { x.escape(s, true) }

func (x *xmlWriter) escape(s string, attr bool) {
	if x.err != nil {
		return
	}
	last := 0
	for i, r := range s {
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '\r':
			esc = "&#xD;"
		case attr && r == '"':
			esc = "&quot;"
		case attr && r == '\n':
			esc = "&#xA;"
		case attr && r == '\t':
			esc = "&#x9;"
		case !isXMLChar(r) || (r == utf8.RuneError && isBadUTF8(s[i:])):
			esc = "\uFFFD"
		default:
			continue
		}
		x.str(s[last:i])
		x.str(esc)
		_, size := utf8.DecodeRuneInString(s[i:])
		last = i + size
	}
	x.str(s[last:])
}

func isBadUTF8(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	return r == utf8.RuneError && size == 1
}

// isXMLChar reports whether r is allowed in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// header writes the XML declaration.
func (x *xmlWriter) header() {
	x.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
}

// lookup returns the prefix bound to space, if any.
func (x *xmlWriter) lookup(space string) (string, bool) {
	for i := len(x.binds) - 1; i >= 0; i-- {
		if x.binds[i].space == space {
			// Make sure the prefix is not shadowed by an inner binding.
			shadowed := false
			for j := i + 1; j < len(x.binds); j++ {
				if x.binds[j].prefix == x.binds[i].prefix {
					shadowed = true
					break
				}
			}
			if !shadowed {
				return x.binds[i].prefix, true
			}
		}
	}
	return "", false
}

func (x *xmlWriter) prefixInUse(p string) bool {
	for _, b := range x.binds {
		if b.prefix == p {
			return true
		}
	}
	return false
}

// bind returns the prefix for space, declaring a new one (recorded in decls)
// if needed.
func (x *xmlWriter) bind(space string, decls *[]binding) string {
	if space == NSXML {
		return "xml"
	}
	if p, ok := x.lookup(space); ok {
		return p
	}
	for _, wk := range append(wellKnownPrefixes[:len(wellKnownPrefixes):len(wellKnownPrefixes)], otherPrefixes...) {
		if wk.space == space && !x.prefixInUse(wk.prefix) {
			return x.declare(wk.prefix, space, decls)
		}
	}
	for i := 0; ; i++ {
		p := "x" + strconv.Itoa(i)
		if !x.prefixInUse(p) {
			return x.declare(p, space, decls)
		}
	}
}

func (x *xmlWriter) declare(prefix, space string, decls *[]binding) string {
	b := binding{prefix, space}
	x.binds = append(x.binds, b)
	*decls = append(*decls, b)
	return prefix
}

// start writes a start tag. If selfClose, the element is closed at once.
// extra lists namespaces to declare on this element even if unused by it.
func (x *xmlWriter) start(name xml.Name, attrs []xml.Attr, selfClose bool, extra ...binding) {
	nbind := len(x.binds)
	var decls []binding
	for _, b := range extra {
		x.declare(b.prefix, b.space, &decls)
	}
	qname := name.Local
	if name.Space != "" {
		qname = x.bind(name.Space, &decls) + ":" + name.Local
	}
	type qattr struct{ q, v string }
	qattrs := make([]qattr, 0, len(attrs))
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue // declarations are the writer's business
		}
		q := a.Name.Local
		if a.Name.Space != "" {
			q = x.bind(a.Name.Space, &decls) + ":" + a.Name.Local
		}
		qattrs = append(qattrs, qattr{q, a.Value})
	}
	x.str("<" + qname)
	for _, d := range decls {
		x.str(" xmlns:" + d.prefix + `="`)
		x.escapedAttr(d.space)
		x.str(`"`)
	}
	for _, a := range qattrs {
		x.str(" " + a.q + `="`)
		x.escapedAttr(a.v)
		x.str(`"`)
	}
	if selfClose {
		x.str("/>")
		x.binds = x.binds[:nbind]
		return
	}
	x.str(">")
	x.open = append(x.open, openElem{qname: qname, nbind: nbind})
}

// end closes the innermost open element.
func (x *xmlWriter) end() {
	if len(x.open) == 0 {
		if x.err == nil {
			x.err = errors.New("davxml: unbalanced end element")
		}
		return
	}
	o := x.open[len(x.open)-1]
	x.open = x.open[:len(x.open)-1]
	x.str("</" + o.qname + ">")
	x.binds = x.binds[:o.nbind]
}

// textElem writes <name>text</name>.
func (x *xmlWriter) textElem(name xml.Name, text string) {
	if text == "" {
		x.start(name, nil, true)
		return
	}
	x.start(name, nil, false)
	x.escaped(text)
	x.end()
}

// empty writes <name/>.
func (x *xmlWriter) empty(name xml.Name) { x.start(name, nil, true) }

// element writes an Element tree.
func (x *xmlWriter) element(e *Element) {
	if e == nil {
		return
	}
	if e.IsText() {
		x.escaped(e.Text)
		return
	}
	if len(e.Children) == 0 {
		x.start(e.Name, e.Attr, true)
		return
	}
	x.start(e.Name, e.Attr, false)
	for _, c := range e.Children {
		x.element(c)
	}
	x.end()
}

// startRoot writes the root start tag with the well-known namespaces.
func (x *xmlWriter) startRoot(name xml.Name) {
	extra := make([]binding, len(wellKnownPrefixes))
	for i, wk := range wellKnownPrefixes {
		extra[i] = binding{wk.prefix, wk.space}
	}
	x.start(name, nil, false, extra...)
}

// flush flushes buffered output and returns the first error.
func (x *xmlWriter) flush() error {
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}
