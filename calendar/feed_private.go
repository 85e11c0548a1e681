package calendar

import (
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
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
		for _, tc := range ical.ParseText([]byte(c.Text)).Components() {
			for _, l := range tc.Props() {
				if l.Name() == "CLASS" && !strings.EqualFold(strings.TrimSpace(l.Value()), "PUBLIC") {
					return true
				}
			}
		}
	}
	return false
}

// withoutAlarms removes the VALARM sub-components of a component.
func withoutAlarms(text string) string {
	return string(ical.DropComponents([]byte(text), "VALARM"))
}

// busyBlock reduces a component to busyKeeps, without sub-components
// (alarms, RFC 9073 locations…), its SUMMARY replaced by "Busy".
func busyBlock(text string) string {
	doc := ical.ParseText([]byte(text))
	for _, c := range doc.Components() {
		for _, sub := range c.Components() {
			sub.Remove()
		}
		c.RemoveProps(func(l *ical.Line) bool { return !busyKeeps[l.Name()] })
		c.InsertProp(0, "SUMMARY:Busy")
	}
	return string(doc.Bytes())
}
