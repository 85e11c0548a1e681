package scheduling

import (
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
)

// Free-busy types (RFC 5545 §3.2.9).
const (
	FBBusy            = "BUSY"
	FBBusyTentative   = "BUSY-TENTATIVE"
	FBBusyUnavailable = "BUSY-UNAVAILABLE"
)

// Period is one busy interval of a free-busy answer, in UTC.
type Period struct {
	Start, End time.Time
	Type       string // FBBusy, FBBusyTentative or FBBusyUnavailable
}

// fbType is the busy type an indexed occurrence contributes, "" for none:
// transparent and cancelled occurrences do not block time (RFC 4791 §7.10,
// RFC 6638 §5).
func fbType(in backend.InstanceRef) string {
	st := strings.ToUpper(in.Status)
	if in.Transparent || st == "CANCELLED" {
		return ""
	}
	switch t := strings.ToUpper(in.BusyType); t {
	case "FREE":
		return ""
	case FBBusy, FBBusyTentative, FBBusyUnavailable:
		return t
	}
	if st == "TENTATIVE" {
		return FBBusyTentative
	}
	return FBBusy
}

// FreeBusy aggregates indexed occurrences into the busy periods of
// [start, end): clipped to the range, in UTC, merged when they overlap or
// touch and share a type, sorted by start then type. Nothing of the events
// (title, location, attendees) survives: free-busy shows only time.
func FreeBusy(instances []backend.InstanceRef, start, end time.Time) []Period {
	byType := map[string][]Period{}
	for _, in := range instances {
		t := fbType(in)
		s, e := in.Start.UTC(), in.End.UTC()
		if s.Before(start) {
			s = start.UTC()
		}
		if e.After(end) {
			e = end.UTC()
		}
		if t == "" || !e.After(s) {
			continue
		}
		byType[t] = append(byType[t], Period{Start: s, End: e, Type: t})
	}
	var out []Period
	for _, l := range byType {
		sort.Slice(l, func(i, j int) bool { return l[i].Start.Before(l[j].Start) })
		cur := l[0]
		for _, p := range l[1:] {
			if !p.Start.After(cur.End) {
				if p.End.After(cur.End) {
					cur.End = p.End
				}
				continue
			}
			out = append(out, cur)
			cur = p
		}
		out = append(out, cur)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// FreeBusyQuery is a VFREEBUSY REQUEST (RFC 5546 §3.3.2) as POSTed to an
// outbox (RFC 6638 §5): who asks, about whom, and over which range.
type FreeBusyQuery struct {
	UID        string
	Organizer  string // as written
	Attendees  []string
	Start, End time.Time // UTC
}

// ParseFreeBusyRequest reads a VFREEBUSY REQUEST. It needs METHOD:REQUEST,
// one VFREEBUSY with ORGANIZER, at least one ATTENDEE and DTSTART before
// DTEND (RFC 5546 §3.3.2).
func ParseFreeBusyRequest(cal *goical.Calendar) (*FreeBusyQuery, error) {
	if cal == nil || cal.Component == nil || !strings.EqualFold(propValue(cal.Component, "METHOD"), "REQUEST") {
		return nil, &MessageError{Reason: "a free-busy request needs METHOD:REQUEST"}
	}
	var fb *goical.Component
	for _, c := range cal.Children {
		if c.Name == "VFREEBUSY" {
			fb = c
			break
		}
	}
	if fb == nil {
		return nil, &MessageError{Reason: "no VFREEBUSY"}
	}
	q := &FreeBusyQuery{UID: propValue(fb, "UID")}
	if p := fb.Props.Get("ORGANIZER"); p != nil {
		q.Organizer = p.Value
	}
	for _, p := range fb.Props["ATTENDEE"] {
		q.Attendees = append(q.Attendees, p.Value)
	}
	s, _, ok1 := parseTime(cal, propValue(fb, "DTSTART"), propTZID(fb, "DTSTART"))
	e, _, ok2 := parseTime(cal, propValue(fb, "DTEND"), propTZID(fb, "DTEND"))
	switch {
	case q.Organizer == "" || len(q.Attendees) == 0:
		return nil, &MessageError{Reason: "VFREEBUSY needs ORGANIZER and ATTENDEE"}
	case !ok1 || !ok2 || !e.After(s):
		return nil, &MessageError{Reason: "VFREEBUSY needs DTSTART before DTEND"}
	}
	q.Start, q.End = s.UTC(), e.UTC()
	return q, nil
}

// FreeBusyReply builds the VFREEBUSY REPLY of attendee to q (RFC 5546
// §3.3.3, the body of one CALDAV:calendar-data in the schedule-response
// of RFC 6638 §5): DTSTART/DTEND of the query, one FREEBUSY line per
// period with its FBTYPE, UTC values.
func FreeBusyReply(q *FreeBusyQuery, attendee string, periods []Period, now time.Time) *goical.Calendar {
	m := newMessage(nil, "REPLY", attendee)
	fb := goical.NewComponent("VFREEBUSY")
	setValue(fb, "UID", q.UID)
	setValue(fb, "DTSTAMP", now.UTC().Format(utcLayout))
	setValue(fb, "DTSTART", q.Start.UTC().Format(utcLayout))
	setValue(fb, "DTEND", q.End.UTC().Format(utcLayout))
	setValue(fb, "ORGANIZER", q.Organizer)
	setValue(fb, "ATTENDEE", attendee)
	for _, p := range periods {
		prop := goical.NewProp("FREEBUSY")
		prop.Params.Set("FBTYPE", p.Type)
		prop.Value = p.Start.UTC().Format(utcLayout) + "/" + p.End.UTC().Format(utcLayout)
		fb.Props.Add(prop)
	}
	m.Calendar.Children = append(m.Calendar.Children, fb)
	return m.Calendar
}
