package scheduling

import (
	"sort"
	"strings"

	goical "github.com/emersion/go-ical"
)

// volatileProps change on every save and say nothing about the event.
var volatileProps = map[string]bool{"DTSTAMP": true, "LAST-MODIFIED": true, "SEQUENCE": true, "CREATED": true}

// significantProps are the changes after which the organizer must bump
// SEQUENCE: RFC 5545 §3.8.7.4 names DTSTART, DTEND, DURATION, DUE, RDATE,
// RRULE, EXDATE and STATUS, and allows more; SUMMARY and LOCATION are what
// attendees act on, so they count here too (as in sabre/dav and Apple's
// server).
var significantProps = map[string]bool{
	"DTSTART": true, "DTEND": true, "DURATION": true, "DUE": true,
	"RRULE": true, "RDATE": true, "EXDATE": true, "EXRULE": true,
	"STATUS": true, "SUMMARY": true, "LOCATION": true,
}

// timeProps are the changes after which attendees must answer again:
// their PARTSTAT goes back to NEEDS-ACTION (RFC 5546 §2.1.4; RFC 6638
// §3.2.8 lets the server do it for them).
var timeProps = map[string]bool{
	"DTSTART": true, "DTEND": true, "DURATION": true, "DUE": true,
	"RRULE": true, "RDATE": true, "EXRULE": true,
}

// listTimeProps hold DATE/DATE-TIME values compared by instant.
var listTimeProps = map[string]bool{
	"DTSTART": true, "DTEND": true, "DUE": true, "RECURRENCE-ID": true,
	"EXDATE": true, "RDATE": true,
}

// canon reduces c to comparable values, property by property: instants
// instead of zone-dependent text, RRULE parts in a fixed order, parameters
// (LANGUAGE, ALTREP...) ignored. ATTENDEE, ORGANIZER, VALARMs and the
// volatile properties are left out, and so is every name skip accepts.
func canon(cal *goical.Calendar, c *goical.Component, skip func(string) bool) map[string]string {
	m := map[string]string{}
	if c == nil {
		return m
	}
	for name, props := range c.Props {
		if name == "ATTENDEE" || name == "ORGANIZER" || volatileProps[name] || skip != nil && skip(name) {
			continue
		}
		var vals []string
		switch {
		case listTimeProps[name]:
			vals = listKeys(cal, c, name)
		case name == "RRULE" || name == "EXRULE":
			for _, p := range props {
				parts := strings.Split(strings.ToUpper(strings.TrimSpace(p.Value)), ";")
				sort.Strings(parts)
				vals = append(vals, strings.Join(parts, ";"))
			}
		default:
			for _, p := range props {
				vals = append(vals, strings.TrimSpace(p.Value))
			}
		}
		sort.Strings(vals)
		m[name] = strings.Join(vals, "\x00")
	}
	return m
}

// changedNames lists the property names whose canonical values differ.
func changedNames(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func anyIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// attendeeList is the sorted set of addresses c invites, with ROLE:
// what every attendee sees of the others.
func attendeeList(c *goical.Component) string {
	var l []string
	for addr, p := range attendees(c) {
		l = append(l, addr+"/"+strings.ToUpper(p.Params.Get("ROLE")))
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

// organizerOf returns the normalized ORGANIZER of c and how many there are.
func organizerOf(c *goical.Component) (string, int) {
	ps := c.Props["ORGANIZER"]
	if len(ps) == 0 {
		return "", 0
	}
	return normAddr(ps[0].Value), len(ps)
}
