package scheduling

import (
	"sort"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

// prodID names Kalends in the messages it writes (RFC 5545 §3.7.3).
const prodID = "-//Kalends//Kalends CalDAV Server//EN"

// newMessage starts an iTIP message: a VCALENDAR with METHOD (RFC 5546
// §1.4) carrying the VTIMEZONEs of src so that TZIDs resolve at the
// recipient (RFC 5546 §1.6, one VTIMEZONE per referenced TZID).
func newMessage(src *goical.Calendar, method, originator string) *Message {
	cal := &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
	setValue(cal.Component, "VERSION", "2.0")
	setValue(cal.Component, "PRODID", prodID)
	setValue(cal.Component, "METHOD", method)
	if src != nil {
		if p := src.Props.Get("CALSCALE"); p != nil {
			cal.Props.Set(p)
		}
		for _, c := range src.Children {
			if c.Name == "VTIMEZONE" {
				cal.Children = append(cal.Children, cloneComp(c))
			}
		}
	}
	return &Message{Method: method, Originator: originator, Calendar: cal}
}

// add appends a copy of c stripped of what is private to the sender's copy:
// VALARMs and the RFC 6638 §7 SCHEDULE-* parameters; DTSTAMP is the time
// the message is made (RFC 5546 §2.1.5 orders messages by it).
func (m *Message) add(c *goical.Component, now time.Time) *goical.Component {
	n := cloneComp(c)
	var kids []*goical.Component
	for _, ch := range n.Children {
		if ch.Name != "VALARM" {
			kids = append(kids, ch)
		}
	}
	n.Children = kids
	stripSchedulingParams(n)
	setValue(n, "DTSTAMP", now.UTC().Format(utcLayout))
	if s := sequence(n); s > m.Sequence {
		m.Sequence = s
	}
	if m.UID == "" {
		m.UID = propValue(n, "UID")
	}
	m.Calendar.Children = append(m.Calendar.Children, n)
	return n
}

// empty reports a message that carries no scheduling component.
func (m *Message) empty() bool {
	for _, c := range m.Calendar.Children {
		if isScheduling(c.Name) {
			return false
		}
	}
	return true
}

// outbox collects messages per recipient and merges those whose content
// is the same, so that one REQUEST reaches every attendee sharing a view.
type outbox struct {
	byBody map[string]*Message
	order  []string
}

func (o *outbox) put(m *Message, recipient string) {
	if m.empty() {
		return
	}
	if o.byBody == nil {
		o.byBody = map[string]*Message{}
	}
	key := string(ical.EncodeText(m.Calendar))
	if have := o.byBody[key]; have != nil {
		have.Recipients = append(have.Recipients, recipient)
		return
	}
	m.Recipients = []string{recipient}
	o.byBody[key] = m
	o.order = append(o.order, key)
}

// messages returns CANCELs first (an attendee removed from the master and
// kept on one occurrence must see the cancel before the new invitation),
// then the rest in the order they were made.
func (o *outbox) messages() []*Message {
	var out []*Message
	for _, k := range o.order {
		out = append(out, o.byBody[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Method == "CANCEL" && out[j].Method != "CANCEL"
	})
	return out
}

// AddAnswer records in m an answer the organizer's object already holds
// (a room's REPLY, applied with ApplyReply), so that the recipients m has
// not reached yet see the replying attendee's PARTSTAT as the organizer's
// copy does, without a second message or a second write of their copies.
// It reports whether m changed; an answer about occurrences or attendees m
// does not carry leaves it as it is. Like every message, m keeps no
// SCHEDULE-* parameter (RFC 6638 §7).
func (m *Message) AddAnswer(reply *goical.Calendar) bool {
	out, changed, err := ApplyReply(m.Calendar, answerFor(m.Calendar, reply))
	if err != nil || !changed {
		return false
	}
	for _, c := range out.Children {
		if isScheduling(c.Name) {
			stripSchedulingParams(c)
		}
	}
	m.Calendar = out
	return true
}

// answerFor keeps of reply the components about occurrences msg carries:
// its overrides, or any occurrence when it carries the master. A room's
// whole answer (Answer) thus reaches a REQUEST of one occurrence too.
func answerFor(msg, reply *goical.Calendar) *goical.Calendar {
	ms, rs := components(msg), components(reply)
	out := &goical.Calendar{Component: goical.NewComponent(reply.Name)}
	out.Props = reply.Props
	for _, c := range reply.Children {
		if !isScheduling(c.Name) {
			out.Children = append(out.Children, c)
		}
	}
	for _, k := range rs.keys {
		if ms.master != nil || ms.byKey[k] != nil {
			out.Children = append(out.Children, rs.byKey[k])
		}
	}
	return out
}
