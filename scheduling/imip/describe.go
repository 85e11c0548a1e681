package imip

import (
	"fmt"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

// event is what the human-readable part and the Subject say of an iTIP
// message: taken from its master component, else its first one.
type event struct {
	Method      string
	Component   string // VEVENT, VTODO, VJOURNAL
	Summary     string
	Location    string
	Description string
	When        string // start (and end) in the event's own zone
	WhenShort   string // start only, for the Subject
	Recurring   bool
	Occurrence  bool // the message carries single occurrences only
	Sequence    int
	Organizer   *party
	// Replier is the attendee answering (REPLY) and PartStat its answer.
	Replier  *party
	PartStat string
}

// party is a calendar user as the message names it.
type party struct {
	Name, Email string
}

func (p *party) String() string {
	if p == nil {
		return ""
	}
	if p.Name == "" {
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

// display is the name, else the address.
func (p *party) display() string {
	if p == nil {
		return "Someone"
	}
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// describe reads an iTIP message for its mail.
func describe(cal *goical.Calendar) (*event, error) {
	var comp *goical.Component
	occurrence := true
	for _, c := range cal.Children {
		switch c.Name {
		case goical.CompEvent, goical.CompToDo, goical.CompJournal:
		default:
			continue
		}
		if c.Props.Get("RECURRENCE-ID") == nil {
			comp, occurrence = c, false
			break
		}
		if comp == nil {
			comp = c
		}
	}
	if comp == nil {
		return nil, fmt.Errorf("imip: the message has no VEVENT, VTODO or VJOURNAL")
	}
	e := &event{Component: comp.Name, Occurrence: occurrence}
	if p := cal.Props.Get("METHOD"); p != nil {
		e.Method = strings.ToUpper(p.Value)
	}
	e.Summary = oneLine(text(comp, "SUMMARY"))
	e.Location = oneLine(text(comp, "LOCATION"))
	e.Description = text(comp, "DESCRIPTION")
	e.Recurring = comp.Props.Get("RRULE") != nil || comp.Props.Get("RDATE") != nil
	if p := comp.Props.Get("SEQUENCE"); p != nil {
		fmt.Sscan(p.Value, &e.Sequence)
	}
	e.Organizer = partyOf(comp.Props.Get("ORGANIZER"))
	if e.Method == "REPLY" {
		if p := comp.Props.Get("ATTENDEE"); p != nil {
			e.Replier = partyOf(p)
			e.PartStat = strings.ToUpper(p.Params.Get("PARTSTAT"))
		}
	}
	start := comp.Props.Get("DTSTART")
	if start == nil {
		start = comp.Props.Get("DUE")
	}
	if start != nil {
		e.When, e.WhenShort = when(cal, start, endOf(comp))
	}
	return e, nil
}

func text(c *goical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return strings.TrimSpace(p.Value)
	}
	return ""
}

// oneLine makes a text value fit a header or a labelled line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func partyOf(p *goical.Prop) *party {
	if p == nil {
		return nil
	}
	return &party{Name: oneLine(p.Params.Get("CN")), Email: address(p.Value)}
}

// address is the mail address of a calendar user address ("mailto:…").
func address(calAddr string) string {
	s := strings.TrimSpace(calAddr)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return s
}

// endOf returns DTEND (or DUE) when the component has one.
func endOf(c *goical.Component) *goical.Prop {
	if c.Name == goical.CompEvent {
		return c.Props.Get("DTEND")
	}
	return nil
}

// stamp is a DATE or DATE-TIME value read in its own zone.
type stamp struct {
	t       time.Time
	allDay  bool
	zone    string // TZID as written, "UTC", or "" for floating time
	invalid bool
}

func readStamp(cal *goical.Calendar, p *goical.Prop) stamp {
	v := strings.TrimSpace(p.Value)
	if strings.EqualFold(p.Params.Get("VALUE"), "DATE") || len(v) == 8 {
		t, err := time.Parse("20060102", v)
		return stamp{t: t, allDay: true, invalid: err != nil}
	}
	loc, zone := time.UTC, ""
	switch tzid := p.Params.Get("TZID"); {
	case strings.HasSuffix(v, "Z"):
		v, zone = strings.TrimSuffix(v, "Z"), "UTC"
	case tzid != "":
		if l, err := ical.ResolveTZID(cal, tzid); err == nil {
			loc, zone = l, tzid
		}
	}
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	return stamp{t: t, zone: zone, invalid: err != nil}
}

// when formats the time of the event as people read it, in the event's
// own zone: "Mon 4 Jan 2027 10:00–11:00 (CET)", or the dates of an
// all-day event; short is the start alone, for the Subject.
func when(cal *goical.Calendar, start, end *goical.Prop) (long, short string) {
	s := readStamp(cal, start)
	if s.invalid {
		return start.Value, start.Value
	}
	if s.allDay {
		short = s.t.Format("Mon 2 Jan 2006")
		long = short
		if end != nil {
			if e := readStamp(cal, end); !e.invalid && e.allDay && e.t.After(s.t.AddDate(0, 0, 1)) {
				// DTEND of an all-day event is exclusive (RFC 5545 §3.6.1).
				long += " – " + e.t.AddDate(0, 0, -1).Format("Mon 2 Jan 2006")
			}
		}
		return long + " (all day)", short
	}
	short = s.t.Format("Mon 2 Jan 2006 15:04") + zoneLabel(s)
	long = s.t.Format("Mon 2 Jan 2006 15:04")
	if end != nil {
		if e := readStamp(cal, end); !e.invalid && !e.allDay && e.t.After(s.t) {
			et := e.t.In(s.t.Location())
			if et.YearDay() == s.t.YearDay() && et.Year() == s.t.Year() {
				long += "–" + et.Format("15:04")
			} else {
				long += " – " + et.Format("Mon 2 Jan 2006 15:04")
			}
		}
	}
	long += zoneLabel(s)
	if s.zone != "" && s.zone != "UTC" && s.t.Format("MST") != s.zone {
		long = strings.TrimSuffix(long, ")") + ", " + s.zone + ")"
	}
	return long, short
}

// zoneLabel is the zone's abbreviation at that time, " (CET)"; nothing
// for floating time, which is the reader's own.
func zoneLabel(s stamp) string {
	if s.zone == "" {
		return ""
	}
	return " (" + s.t.Format("MST") + ")"
}
