package calendar

import (
	"strings"

	"github.com/kalends/kalends/backend"
)

// busyKeeps are the properties a "busy" block keeps of a private
// component: when it happens and how it recurs, how it counts for
// free-busy, and what a subscriber needs to follow its updates (RFC 5545
// §3.8.2 date and time, §3.8.5 recurrence, §3.8.7 change management),
// plus CLASS so that clients mark it private. SUMMARY becomes "Busy".
var busyKeeps = map[string]bool{
	"UID": true, "DTSTART": true, "DTEND": true, "DURATION": true, "DUE": true,
	"RRULE": true, "RDATE": true, "EXDATE": true, "RECURRENCE-ID": true,
	"TRANSP": true, "STATUS": true, "SEQUENCE": true, "DTSTAMP": true, "CLASS": true,
}

// FeedObject returns the Object hook of ExportOptions for a feed with the
// given privacy: alarms are always removed (they are the owner's reminders,
// not the subscriber's), and an object with a private component is shown
// in full, as busy blocks or not at all.
func FeedObject(mode backend.FeedPrivacy) func([]Component) []Component {
	return func(comps []Component) []Component {
		private := isPrivate(comps)
		if private && mode != backend.FeedFull && mode != backend.FeedBusy {
			return nil // omit, or a mode this code does not know
		}
		out := make([]Component, 0, len(comps))
		for _, c := range comps {
			if private && mode == backend.FeedBusy {
				c.Text = busyBlock(c.Text)
			} else {
				c.Text = withoutAlarms(c.Text)
			}
			out = append(out, c)
		}
		return out
	}
}

// isPrivate reports whether any component of an object is not public. RFC
// 5545 §3.8.1.3: CLASS defaults to PUBLIC, and a value an application does
// not know is treated as PRIVATE. The whole object is judged at once, so
// that an overridden occurrence that lacks the master's CLASS does not
// show what the master hides.
func isPrivate(comps []Component) bool {
	for _, c := range comps {
		for _, l := range contentLines(c.Text) {
			if l.depth == 1 && l.name == "CLASS" && !strings.EqualFold(strings.TrimSpace(l.value()), "PUBLIC") {
				return true
			}
		}
	}
	return false
}

// withoutAlarms removes the VALARM sub-components of a component.
func withoutAlarms(text string) string {
	var b strings.Builder
	skip := 0 // depth at which a VALARM started, 0 when outside one
	for _, l := range contentLines(text) {
		if skip == 0 && l.name == "BEGIN" && strings.EqualFold(l.value(), "VALARM") {
			skip = l.depth
		}
		if skip == 0 {
			b.WriteString(l.raw)
		}
		if skip != 0 && l.name == "END" && l.depth == skip {
			skip = 0
		}
	}
	return b.String()
}

// busyBlock reduces a component to busyKeeps, without sub-components,
// its SUMMARY replaced by "Busy".
func busyBlock(text string) string {
	var b strings.Builder
	for _, l := range contentLines(text) {
		switch {
		case l.depth != 1:
			// Sub-components (alarms, RFC 9073 locations…) go.
		case l.name == "BEGIN":
			b.WriteString(l.raw)
			b.WriteString("SUMMARY:Busy\r\n")
		case l.name == "END" || busyKeeps[l.name]:
			b.WriteString(l.raw)
		}
	}
	return b.String()
}

// contentLine is one logical line of a component's text.
type contentLine struct {
	raw   string // as stored, folded, CRLF-terminated
	name  string // property name, upper case (BEGIN and END included)
	text  string // unfolded
	depth int    // 1 for the component's own lines, 2 inside a sub-component…
}

// value returns the text after the first colon outside quotes: the value
// (RFC 5545 §3.1: param-values may be quoted and hold colons).
func (l contentLine) value() string {
	quoted := false
	for i := 0; i < len(l.text); i++ {
		switch l.text[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return l.text[i+1:]
			}
		}
	}
	return ""
}

// contentLines splits a component's text (as splitComponents returns it:
// CRLF-terminated, folding kept) into logical lines, unfolding
// continuation lines (RFC 5545 §3.1) and tracking nesting.
func contentLines(text string) []contentLine {
	var out []contentLine
	depth := 0
	for _, phys := range strings.SplitAfter(text, "\n") {
		if phys == "" {
			continue
		}
		if (phys[0] == ' ' || phys[0] == '\t') && len(out) > 0 {
			last := &out[len(out)-1]
			last.raw += phys
			last.text += strings.TrimRight(phys[1:], "\r\n")
			continue
		}
		out = append(out, contentLine{raw: phys, text: strings.TrimRight(phys, "\r\n")})
	}
	for i := range out {
		l := &out[i]
		end := strings.IndexAny(l.text, ";:")
		if end < 0 {
			end = len(l.text)
		}
		l.name = strings.ToUpper(l.text[:end])
		if l.name == "BEGIN" {
			depth++
		}
		l.depth = depth
		if l.name == "END" {
			depth--
		}
	}
	return out
}
