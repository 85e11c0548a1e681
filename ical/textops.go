package ical

import (
	"bytes"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

// TopLevel returns the components directly inside the VCALENDARs of data
// (VEVENT, VTODO, VTIMEZONE…), as a Doc reads them: a stored object's
// text is split this way for an export, a collection GET or a feed,
// without re-encoding it. A byte-order mark, LF line endings and
// lower-case names are read like their usual forms; write each component
// with Comp.Normalized to put it into a CRLF document.
func TopLevel(data []byte) []*Comp {
	var out []*Comp
	for _, cal := range ParseText(data).Components() {
		if cal.Name == "VCALENDAR" {
			out = append(out, cal.Components()...)
		}
	}
	return out
}

// InsertTimezones inserts VTIMEZONE texts (each a complete component,
// CRLF-terminated) before the first component of data's VCALENDAR, after
// its properties, keeping every other byte (RFC 7809 §3.1: the server
// adds the time zones a client left out). It returns data itself when
// there is nothing to insert or no component to insert before.
func InsertTimezones(data []byte, vtimezones []string) []byte {
	if len(vtimezones) == 0 {
		return data
	}
	doc := ParseText(data)
	cal := doc.Calendar()
	if cal == nil || len(cal.Components()) == 0 {
		return data
	}
	var add bytes.Buffer
	for _, vt := range vtimezones {
		add.WriteString(vt)
	}
	cal.Components()[0].InsertBefore(add.Bytes())
	return doc.Bytes()
}

// AddMissingTimezones implements the server side of RFC 7809 §3.1:
// clients may leave out the VTIMEZONEs of zones the server knows (Kalends
// advertises calendar-no-timezone), and every object the server hands
// out must carry the VTIMEZONEs it references. For each of tzids (the
// TZIDs cal's components reference, cal being data parsed) that cal has
// no VTIMEZONE for, one is written from the tz database (VTimezone) and
// inserted with InsertTimezones, in TZID order. UTC and zones that
// cannot be resolved (indexed as floating) get none. It returns data
// itself when nothing is missing.
func AddMissingTimezones(data []byte, cal *goical.Calendar, tzids []string) []byte {
	have := map[string]bool{}
	for _, c := range cal.Children {
		if p := c.Props.Get("TZID"); c.Name == goical.CompTimezone && p != nil {
			have[p.Value] = true
		}
	}
	var add []string
	for _, id := range tzids {
		if have[id] || strings.EqualFold(id, "UTC") {
			continue
		}
		loc, err := ResolveTZID(cal, id)
		if err != nil {
			continue
		}
		have[id] = true
		add = append(add, VTimezone(loc, id))
	}
	sort.Strings(add)
	return InsertTimezones(data, add)
}

// CalendarTimezoneID returns the TZID of the first VTIMEZONE of a
// CalDAV calendar-timezone value (RFC 4791 §5.2.2: a VCALENDAR holding
// one VTIMEZONE); "" when there is none.
func CalendarTimezoneID(vcal string) string {
	id := ""
	ParseText([]byte(vcal)).Walk(func(c *Comp) bool {
		if id == "" && c.Name == "VTIMEZONE" {
			id = c.PropValue("TZID")
		}
		return id == ""
	})
	return id
}

// DropComponents removes every component named in names (VALARM…), at
// any depth, from iCalendar text, keeping every other byte. It returns
// data itself when there is none.
func DropComponents(data []byte, names ...string) []byte {
	doc := ParseText(data)
	n := 0
	doc.Walk(func(c *Comp) bool {
		if containsFold(names, c.Name) {
			c.Remove()
			n++
			return false
		}
		return true
	})
	if n == 0 {
		return data
	}
	return doc.Bytes()
}

// RefoldSplitCharacters returns data with every line whose folding splits
// a multi-byte UTF-8 character folded again between characters. RFC 5545
// §3.1 lets simple writers fold inside a character and asks readers to
// restore it, so such text is stored as sent; but a document that carries
// it as characters (calendar-data in XML) cannot hold the halves. Text
// that is valid UTF-8 is returned as it is.
func RefoldSplitCharacters(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	doc := ParseText(data)
	doc.Walk(func(c *Comp) bool {
		for _, l := range c.Props() {
			if !utf8.Valid(l.raw) && utf8.ValidString(l.text) {
				l.set(l.text)
			}
		}
		return true
	})
	return doc.Bytes()
}

// dtstampComps are the components RFC 5545 requires a DTSTAMP in
// (§3.6.1–§3.6.4).
var dtstampComps = []string{"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"}

// RepairText makes, in the text of a calendar object resource about to be
// stored, the repairs that let every client read what real producers
// send (the corpus names them), keeping every other byte; it returns
// data itself when there is nothing to repair:
//
//   - a VEVENT, VTODO, VJOURNAL or VFREEBUSY without the DTSTAMP RFC
//     5545 requires (Thunderbird, khal, Data::ICal, tzurl.org write
//     them) gets DTSTAMP:now after its UID. For an object without
//     METHOD, which every stored object is, DTSTAMP is "the date and time
//     that the information associated with the calendar component was
//     last revised in the calendar store" (RFC 5545 §3.8.7.2): the time
//     of this write;
//   - a double quote escaped with a backslash in a TEXT value (Podio)
//     loses its backslash, as ParseWithWarnings reads it.
//
// Callers parse the result again: the repaired text is what is stored.
func RepairText(data []byte, now time.Time) []byte {
	doc := ParseText(data)
	changed := false
	doc.Walk(func(c *Comp) bool {
		for _, l := range c.Props() {
			if textProps[l.Name()] && strings.Contains(l.Value(), `\"`) {
				if fixed, n, err := fixTextEscapes(l.Value()); err == nil && n > 0 {
					changed = l.SetValue(fixed) || changed
				}
			}
		}
		if c.Parent() != nil && c.Parent().Name == "VCALENDAR" && containsFold(dtstampComps, c.Name) && c.Prop("DTSTAMP") == nil {
			c.InsertProp(afterUID(c), "DTSTAMP:"+FormatUTC(now))
			changed = true
		}
		return true
	})
	if !changed {
		return data
	}
	return doc.Bytes()
}

// afterUID is the position of the property after c's UID, 0 without one.
func afterUID(c *Comp) int {
	for i, l := range c.Props() {
		if l.Name() == "UID" {
			return i + 1
		}
	}
	return 0
}
