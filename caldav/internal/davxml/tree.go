package davxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Element is a node of a generic XML tree, used both for decoded request
// bodies and for property values to encode.
//
// A node whose Name.Local is empty is a character-data node holding Text;
// any other node is an element with attributes and children. Namespace
// declarations are not kept as attributes: names carry their namespace and
// the writer declares what it needs.
type Element struct {
	// Name is the element's namespace-qualified name; empty for text nodes.
	Name xml.Name
	// Attr holds the element's attributes (xmlns declarations excluded).
	Attr []xml.Attr
	// Children holds child elements and text nodes in document order.
	Children []*Element
	// Text is the character data of a text node.
	Text string
}

// NewElement returns an element named name with the given children.
func NewElement(name xml.Name, children ...*Element) *Element {
	return &Element{Name: name, Children: children}
}

// TextElement returns an element named name whose only child is the text.
// An empty text gives an empty element.
func TextElement(name xml.Name, text string) *Element {
	e := &Element{Name: name}
	if text != "" {
		e.Children = []*Element{CharData(text)}
	}
	return e
}

// CharData returns a text node.
func CharData(text string) *Element { return &Element{Text: text} }

// IsText reports whether e is a character-data node.
func (e *Element) IsText() bool { return e.Name.Local == "" }

// SetAttr sets (or replaces) attribute name to value and returns e.
func (e *Element) SetAttr(name xml.Name, value string) *Element {
	for i := range e.Attr {
		if e.Attr[i].Name == name {
			e.Attr[i].Value = value
			return e
		}
	}
	e.Attr = append(e.Attr, xml.Attr{Name: name, Value: value})
	return e
}

// AttrValue returns the value of the attribute name and whether it is
// present. Unqualified attributes (the usual case) have an empty Space.
func (e *Element) AttrValue(name xml.Name) (string, bool) {
	for _, a := range e.Attr {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// attr returns the value of the unqualified attribute local.
func (e *Element) attr(local string) (string, bool) {
	return e.AttrValue(xml.Name{Local: local})
}

// TextContent returns the concatenated character data of e and all its
// descendants, in document order.
func (e *Element) TextContent() string {
	if e.IsText() {
		return e.Text
	}
	var b strings.Builder
	e.appendText(&b)
	return b.String()
}

func (e *Element) appendText(b *strings.Builder) {
	for _, c := range e.Children {
		if c.IsText() {
			b.WriteString(c.Text)
		} else {
			c.appendText(b)
		}
	}
}

// Elements returns the child elements of e, skipping text nodes.
func (e *Element) Elements() []*Element {
	out := make([]*Element, 0, len(e.Children))
	for _, c := range e.Children {
		if !c.IsText() {
			out = append(out, c)
		}
	}
	return out
}

// Child returns the first child element named name, or nil.
func (e *Element) Child(name xml.Name) *Element {
	for _, c := range e.Children {
		if c.Name == name && !c.IsText() {
			return c
		}
	}
	return nil
}

// Clone returns a deep copy of e.
func (e *Element) Clone() *Element {
	if e == nil {
		return nil
	}
	c := &Element{Name: e.Name, Text: e.Text}
	if e.Attr != nil {
		c.Attr = append([]xml.Attr(nil), e.Attr...)
	}
	if e.Children != nil {
		c.Children = make([]*Element, len(e.Children))
		for i, ch := range e.Children {
			c.Children[i] = ch.Clone()
		}
	}
	return c
}

// Limits bounds what the request decoders accept, to protect the server
// from hostile bodies.
type Limits struct {
	// MaxBytes is the maximum body size in bytes; 0 means no limit (the
	// caller then bounds the body, e.g. with http.MaxBytesReader).
	MaxBytes int64
	// MaxDepth is the maximum nesting depth of elements (the root is 1).
	MaxDepth int
	// MaxElements is the maximum number of elements in the body.
	MaxElements int
}

// DefaultLimits are the limits used by the Decode functions. Change them
// only during program initialisation.
var DefaultLimits = Limits{
	MaxBytes:    16 << 20,
	MaxDepth:    64,
	MaxElements: 200000,
}

// limitedReader returns an error instead of EOF once more than n bytes are
// read, so that an oversized body is never mistaken for a truncated one.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte to tell "exactly at the limit" from "over".
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// errNoRoot is returned by parseTree for a body without a root element.
var errNoRoot = malformedKind(ErrEmptyBody, "no root element")

// ParseElement parses a complete XML document from r into an Element tree
// under the given limits. A body without a root element yields an error
// matching ErrEmptyBody. Whitespace-only text between child elements is
// dropped; text of elements without child elements is kept verbatim.
func ParseElement(r io.Reader, lim Limits) (*Element, error) {
	if r == nil {
		return nil, errNoRoot
	}
	var lr *limitedReader
	if lim.MaxBytes > 0 {
		lr = &limitedReader{r: r, n: lim.MaxBytes}
		r = lr
	}
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = charsetReader
	root, err := buildTree(d, lim)
	if err != nil {
		if lr != nil && lr.exceeded {
			return nil, malformedKind(ErrTooLarge, "body larger than %d bytes", lim.MaxBytes)
		}
		return nil, err
	}
	return root, nil
}

// charsetReader accepts the encodings that are subsets of UTF-8 and
// ISO-8859-1; UTF-8 itself never reaches it.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1", "iso_8859-1":
		return &latin1Reader{r: input}, nil
	}
	return nil, errors.New("unsupported encoding " + label)
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		in := make([]byte, (len(p)+1)/2)
		n, err := l.r.Read(in)
		for _, c := range in[:n] {
			l.buf = utf8.AppendRune(l.buf, rune(c))
		}
		if len(l.buf) == 0 {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

type nsFrame struct {
	el     *Element
	spaces []string // namespaces bound by this element
}

func buildTree(d *xml.Decoder, lim Limits) (*Element, error) {
	var (
		stack    []nsFrame
		root     *Element
		count    int
		rootDone bool
		bound    = map[string]int{NSXML: 1}
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) > 0 {
				return nil, malformed("unexpected end of body")
			}
			if root == nil {
				return nil, errNoRoot
			}
			return root, nil
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			return nil, malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return nil, malformed("content after the root element")
			}
			count++
			if lim.MaxElements > 0 && count > lim.MaxElements {
				return nil, malformedKind(ErrTooLarge, "more than %d elements", lim.MaxElements)
			}
			if lim.MaxDepth > 0 && len(stack)+1 > lim.MaxDepth {
				return nil, malformedKind(ErrTooLarge, "elements nested deeper than %d", lim.MaxDepth)
			}
			el := &Element{Name: t.Name}
			var spaces []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					if a.Name.Space == "xmlns" && a.Value == "" {
						// Namespaces in XML 1.0 §3: a prefix cannot be bound to "".
						return nil, malformed("namespace prefix %q declared empty", a.Name.Local)
					}
					if a.Value != "" {
						spaces = append(spaces, a.Value)
						bound[a.Value]++
					}
					continue
				}
				el.Attr = append(el.Attr, a)
			}
			if t.Name.Space != "" && bound[t.Name.Space] == 0 {
				return nil, malformed("element %s uses an undeclared namespace prefix %q", t.Name.Local, t.Name.Space)
			}
			for _, a := range el.Attr {
				if a.Name.Space != "" && bound[a.Name.Space] == 0 {
					return nil, malformed("attribute %s uses an undeclared namespace prefix %q", a.Name.Local, a.Name.Space)
				}
			}
			if len(stack) == 0 {
				root = el
			} else {
				p := stack[len(stack)-1].el
				p.Children = append(p.Children, el)
			}
			stack = append(stack, nsFrame{el: el, spaces: spaces})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, malformed("unexpected end element")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, s := range f.spaces {
				bound[s]--
			}
			dropFormattingWhitespace(f.el)
			if len(stack) == 0 {
				rootDone = true
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, malformed("text outside the root element")
				}
				continue
			}
			p := stack[len(stack)-1].el
			if n := len(p.Children); n > 0 && p.Children[n-1].IsText() {
				p.Children[n-1].Text += string(t)
			} else {
				p.Children = append(p.Children, CharData(string(t)))
			}
		case xml.Directive:
			return nil, malformed("DOCTYPE and other directives are not allowed")
		case xml.Comment, xml.ProcInst:
			// ignored
		}
	}
}

// dropFormattingWhitespace removes whitespace-only text nodes from an
// element that has child elements.
func dropFormattingWhitespace(e *Element) {
	hasElem := false
	for _, c := range e.Children {
		if !c.IsText() {
			hasElem = true
			break
		}
	}
	if !hasElem {
		return
	}
	out := e.Children[:0]
	for _, c := range e.Children {
		if c.IsText() && strings.TrimSpace(c.Text) == "" {
			continue
		}
		out = append(out, c)
	}
	e.Children = out
}

// parseRoot parses a body whose root must be want.
func parseRoot(r io.Reader, want xml.Name) (*Element, error) {
	root, err := ParseElement(r, DefaultLimits)
	if err != nil {
		return nil, err
	}
	if root.Name != want {
		return nil, malformedKind(ErrUnexpectedRoot, "root element is {%s}%s, want {%s}%s",
			root.Name.Space, root.Name.Local, want.Space, want.Local)
	}
	return root, nil
}
