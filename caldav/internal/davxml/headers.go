package davxml

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Depth is the value of a Depth header (RFC 4918 §10.2).
type Depth int

// Depth values. DepthUnset means the header was absent; the caller chooses
// the default, which differs between methods.
const (
	// DepthUnset: no Depth header.
	DepthUnset Depth = -1
	// DepthZero: "Depth: 0", the resource only.
	DepthZero Depth = 0
	// DepthOne: "Depth: 1", the resource and its members.
	DepthOne Depth = 1
	// DepthInfinity: "Depth: infinity", the whole tree.
	DepthInfinity Depth = 2
)

// String returns the header form of d ("0", "1", "infinity"), or "" for
// DepthUnset.
func (d Depth) String() string {
	switch d {
	case DepthZero:
		return "0"
	case DepthOne:
		return "1"
	case DepthInfinity:
		return "infinity"
	}
	return ""
}

// Or returns d, or def if d is DepthUnset.
func (d Depth) Or(def Depth) Depth {
	if d == DepthUnset {
		return def
	}
	return d
}

// ErrBadHeader is matched by the errors of the header parsers; callers
// normally answer 400 Bad Request.
var ErrBadHeader = errors.New("davxml: invalid header")

// ParseDepth parses a Depth header: "0", "1" or "infinity" (case-insensitive,
// surrounding spaces ignored). An empty header gives DepthUnset.
func ParseDepth(h string) (Depth, error) {
	switch strings.ToLower(strings.TrimSpace(h)) {
	case "":
		return DepthUnset, nil
	case "0":
		return DepthZero, nil
	case "1":
		return DepthOne, nil
	case "infinity":
		return DepthInfinity, nil
	}
	return DepthUnset, fmt.Errorf("%w: Depth %q", ErrBadHeader, h)
}

// ParseOverwrite parses an Overwrite header (RFC 4918 §10.6): "T" or "F".
// An absent header means true.
func ParseOverwrite(h string) (bool, error) {
	switch strings.TrimSpace(h) {
	case "", "T", "t":
		return true, nil
	case "F", "f":
		return false, nil
	}
	return false, fmt.Errorf("%w: Overwrite %q", ErrBadHeader, h)
}

// ErrCrossServer is matched by ParseDestination when the destination is on
// another server; RFC 4918 §9.8.4 suggests 502 Bad Gateway.
var ErrCrossServer = errors.New("davxml: destination is on another server")

// ParseDestination parses a Destination header (RFC 4918 §10.3) and returns
// the percent-decoded destination path. Relative references are resolved
// against base, the URL of the request (scheme and host included). An
// absolute destination whose scheme or host differs from base's gives an
// error matching ErrCrossServer; the check is skipped if base has no host.
func ParseDestination(h string, base *url.URL) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", fmt.Errorf("%w: missing Destination", ErrBadHeader)
	}
	u, err := url.Parse(h)
	if err != nil {
		return "", fmt.Errorf("%w: Destination %q: %v", ErrBadHeader, h, err)
	}
	if u.Opaque != "" || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%w: Destination %q is not an http URL", ErrBadHeader, h)
	}
	if u.Scheme != "" || u.Host != "" {
		if base != nil && base.Host != "" {
			if !strings.EqualFold(u.Host, base.Host) ||
				(u.Scheme != "" && base.Scheme != "" && !strings.EqualFold(u.Scheme, base.Scheme)) {
				return "", fmt.Errorf("%w: %s", ErrCrossServer, h)
			}
		}
	} else if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Path == "" {
		return "/", nil
	}
	if !strings.HasPrefix(u.Path, "/") {
		return "", fmt.Errorf("%w: Destination %q is not absolute", ErrBadHeader, h)
	}
	return u.Path, nil
}

// IfHeader is a parsed If header (RFC 4918 §10.4).
type IfHeader struct {
	// Tagged is true for the Tagged-list form, where every list carries
	// the resource it applies to.
	Tagged bool
	// Lists holds the state lists in order.
	Lists []IfList
}

// IfList is one parenthesised list of conditions; it is true if all its
// conditions are true.
type IfList struct {
	// Resource is the resource tag (as written, without < >) for tagged
	// lists, "" for untagged lists (which apply to the Request-URI).
	Resource string
	// Conditions holds the conditions of the list, at least one.
	Conditions []IfCondition
}

// IfCondition is one condition: a state token or an entity tag, possibly
// negated.
type IfCondition struct {
	// Not negates the condition.
	Not bool
	// StateToken is the Coded-URL's URI (without < >), or "".
	StateToken string
	// ETag is the entity tag including quotes and any W/ prefix, or "".
	ETag string
}

// ParseIf parses an If header. Both No-tag-list and Tagged-list forms are
// supported; mixing them is an error.
func ParseIf(h string) (*IfHeader, error) {
	p := ifParser{s: h}
	hdr := &IfHeader{}
	resource := ""
	first := true
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		switch p.peek() {
		case '<':
			if !first && !hdr.Tagged {
				return nil, p.errorf("resource tag after untagged list")
			}
			tag, err := p.until('>')
			if err != nil {
				return nil, err
			}
			if tag == "" {
				return nil, p.errorf("empty resource tag")
			}
			hdr.Tagged = true
			resource = tag
			p.skipSpace()
			if p.done() || p.peek() != '(' {
				return nil, p.errorf("resource tag without list")
			}
		case '(':
			if hdr.Tagged && resource == "" {
				return nil, p.errorf("list without resource tag")
			}
			l, err := p.list()
			if err != nil {
				return nil, err
			}
			l.Resource = resource
			hdr.Lists = append(hdr.Lists, l)
		default:
			return nil, p.errorf("unexpected %q", p.peek())
		}
		first = false
	}
	if len(hdr.Lists) == 0 {
		return nil, p.errorf("no list")
	}
	return hdr, nil
}

type ifParser struct {
	s   string
	pos int
}

func (p *ifParser) done() bool { return p.pos >= len(p.s) }
func (p *ifParser) peek() byte { return p.s[p.pos] }

func (p *ifParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\r' || p.s[p.pos] == '\n') {
		p.pos++
	}
}

func (p *ifParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: If: %s at offset %d", ErrBadHeader, fmt.Sprintf(format, args...), p.pos)
}

// until consumes the opening byte at pos and returns the text up to the
// closing byte c, which is consumed too.
func (p *ifParser) until(c byte) (string, error) {
	p.pos++
	i := strings.IndexByte(p.s[p.pos:], c)
	if i < 0 {
		return "", p.errorf("missing %q", c)
	}
	v := p.s[p.pos : p.pos+i]
	p.pos += i + 1
	return v, nil
}

func (p *ifParser) list() (IfList, error) {
	var l IfList
	p.pos++ // '('
	for {
		p.skipSpace()
		if p.done() {
			return l, p.errorf("unterminated list")
		}
		if p.peek() == ')' {
			p.pos++
			if len(l.Conditions) == 0 {
				return l, p.errorf("empty list")
			}
			return l, nil
		}
		var c IfCondition
		if len(p.s)-p.pos >= 3 && strings.EqualFold(p.s[p.pos:p.pos+3], "not") {
			c.Not = true
			p.pos += 3
			p.skipSpace()
			if p.done() {
				return l, p.errorf("unterminated list")
			}
		}
		switch p.peek() {
		case '<':
			tok, err := p.until('>')
			if err != nil {
				return l, err
			}
			if tok == "" {
				return l, p.errorf("empty state token")
			}
			c.StateToken = tok
		case '[':
			et, err := p.etag()
			if err != nil {
				return l, err
			}
			c.ETag = et
		default:
			return l, p.errorf("unexpected %q in list", p.peek())
		}
		l.Conditions = append(l.Conditions, c)
	}
}

func (p *ifParser) etag() (string, error) {
	p.pos++ // '['
	p.skipSpace()
	start := p.pos
	if strings.HasPrefix(p.s[p.pos:], "W/") {
		p.pos += 2
	}
	if p.done() || p.peek() != '"' {
		return "", p.errorf("entity tag must be a quoted string")
	}
	i := strings.IndexByte(p.s[p.pos+1:], '"')
	if i < 0 {
		return "", p.errorf("unterminated entity tag")
	}
	p.pos += i + 2
	et := p.s[start:p.pos]
	p.skipSpace()
	if p.done() || p.peek() != ']' {
		return "", p.errorf("missing ']'")
	}
	p.pos++
	return et, nil
}

// IfState describes a resource for IfHeader.Evaluate.
type IfState struct {
	// Exists is false for an unmapped URL, whose entity tag matches nothing.
	Exists bool
	// ETag is the resource's current entity tag, with quotes.
	ETag string
	// LockTokens are the state tokens (lock tokens) of the resource.
	LockTokens []string
}

// Evaluate evaluates the header (RFC 4918 §10.4.3): it is true if at least
// one list is true, a list being true if all its conditions are. Untagged
// lists apply to the request resource, state(""); tagged lists to the
// resource of their tag, state(tag) with tag as written in the header
// (callers normally run it through DecodeHref). Entity tags are compared
// with the strong comparison function.
func (h *IfHeader) Evaluate(state func(resource string) IfState) bool {
	cache := map[string]IfState{}
	get := func(r string) IfState {
		s, ok := cache[r]
		if !ok {
			s = state(r)
			cache[r] = s
		}
		return s
	}
	for _, l := range h.Lists {
		st := get(l.Resource)
		ok := true
		for _, c := range l.Conditions {
			var m bool
			if c.ETag != "" {
				m = st.Exists && StrongETagMatch(c.ETag, st.ETag)
			} else {
				for _, t := range st.LockTokens {
					if t == c.StateToken {
						m = true
						break
					}
				}
			}
			if m == c.Not {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// SimpleETag returns the entity tag of the common header form
// `(["etag"])`: a single untagged list holding one non-negated entity tag.
// ok is false for any other form, which needs Evaluate.
func (h *IfHeader) SimpleETag() (etag string, ok bool) {
	if h == nil || h.Tagged || len(h.Lists) != 1 || len(h.Lists[0].Conditions) != 1 {
		return "", false
	}
	c := h.Lists[0].Conditions[0]
	if c.Not || c.ETag == "" {
		return "", false
	}
	return c.ETag, true
}

// MatchesETag evaluates the header against the request resource only,
// given its current entity tag (empty if the resource does not exist) and
// no lock tokens. Tagged lists are evaluated as if they named the request
// resource.
func (h *IfHeader) MatchesETag(current string) bool {
	return h.Evaluate(func(string) IfState {
		return IfState{Exists: current != "", ETag: current}
	})
}

// StrongETagMatch reports whether two entity tags match under the strong
// comparison function of RFC 9110 §8.8.3.2: both strong and identical.
func StrongETagMatch(a, b string) bool {
	if strings.HasPrefix(a, "W/") || strings.HasPrefix(b, "W/") {
		return false
	}
	return a != "" && a == b
}
