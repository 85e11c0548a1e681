package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Berlin must resolve on machines without a zoneinfo database
)

// berlinVTIMEZONE is what Apple Calendar and Thunderbird send with an event
// in Europe/Berlin.
const berlinVTIMEZONE = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n" +
	"TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n" +
	"DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"

var berlin = mustLoad("Europe/Berlin")

// mustLoad loads a zone that time/tzdata embeds, so it cannot fail.
func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	words = strings.Fields(`agenda review budget quarter roadmap customer design release planning
		sprint retro onboarding interview workshop migration incident follow-up status weekly sync
		hiring training offsite demo architecture security audit launch marketing partner contract`)
	places = []string{"Room Spree, 3rd floor", "Konferenzraum Tiergarten", "Video call: https://meet.example.com/abc-defg-hij",
		"Café Einstein, Kurfürstenstraße 58, 10785 Berlin", "Room 4.12 (projector)", "Main office, reception"}
	people = []string{"Anna Schmidt", "Ben Müller", "Clara Weber", "David Fischer", "Eva Wagner", "Felix Becker",
		"Greta Hoffmann", "Hannes Schulz", "Ida Koch", "Jonas Richter"}
)

// genEvent returns one calendar object resource with UID uid, starting
// within spreadDays either side of now. The mix: 70% single events, 20% weekly
// series ending by COUNT or UNTIL (some with EXDATEs), 10% series with one
// overridden occurrence; half in Europe/Berlin with its VTIMEZONE, half in UTC. The
// attendee list and description make it 1-2 KB, as real invitations are.
func genEvent(rng *rand.Rand, uid string, now time.Time, spreadDays int) []byte {
	return genEventBy(rng, uid, now, spreadDays, "Bench User", benchUser+"@example.com")
}

// genEventBy is genEvent with another organizer, named name and reached at
// email, who stores the event in their own calendar.
func genEventBy(rng *rand.Rand, uid string, now time.Time, spreadDays int, name, email string) []byte {
	local := rng.IntN(2) == 0
	loc := time.UTC
	if local {
		loc = berlin
	}
	day := now.In(loc).AddDate(0, 0, rng.IntN(2*spreadDays+1)-spreadDays)
	start := time.Date(day.Year(), day.Month(), day.Day(), 8+rng.IntN(10), 15*rng.IntN(4), 0, 0, loc)
	length := time.Duration(30*(1+rng.IntN(4))) * time.Minute

	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//kalends-bench//EN\r\nCALSCALE:GREGORIAN\r\n")
	if local {
		b.WriteString(berlinVTIMEZONE)
	}
	kind := rng.IntN(10) // 0-6 single, 7-8 series, 9 series with override
	var recur []string
	if kind >= 7 {
		weeks := 4 + rng.IntN(23)
		if kind == 9 {
			weeks += 2 // the override below is of the fifth occurrence
		}
		if kind == 9 || rng.IntN(2) == 0 {
			recur = append(recur, fmt.Sprintf("RRULE:FREQ=WEEKLY;COUNT=%d", weeks))
		} else {
			until := start.AddDate(0, 0, 7*(weeks-1)).Add(length)
			recur = append(recur, "RRULE:FREQ=WEEKLY;UNTIL="+until.UTC().Format("20060102T150405Z"))
		}
		if rng.IntN(5) < 2 { // 40% of series skip an occurrence or two
			for _, k := range []int{1 + rng.IntN(2), 3} {
				recur = append(recur, "EXDATE"+dateTime(start.AddDate(0, 0, 7*k)))
			}
		}
	}
	writeEvent(&b, rng, uid, now, start, length, "", recur, name, email)
	if kind == 9 {
		// The fifth occurrence moved by two hours, as after "change this
		// occurrence only".
		rid := start.AddDate(0, 0, 7*4)
		writeEvent(&b, rng, uid, now, rid.Add(2*time.Hour), length, "RECURRENCE-ID"+dateTime(rid), nil, name, email)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// writeEvent writes one VEVENT. recurrenceID, when set, is a whole
// RECURRENCE-ID property; recur are the RRULE and EXDATE lines of a series,
// which like all properties precede the VALARM (RFC 5545 §3.6.1). The
// organizer is orgName at orgEmail.
func writeEvent(b *strings.Builder, rng *rand.Rand, uid string, now, start time.Time, length time.Duration,
	recurrenceID string, recur []string, orgName, orgEmail string) {
	b.WriteString("BEGIN:VEVENT\r\n")
	line(b, "UID:"+uid)
	stamp := now.UTC().Format("20060102T150405Z")
	line(b, "DTSTAMP:"+stamp)
	line(b, "CREATED:"+stamp)
	line(b, "LAST-MODIFIED:"+stamp)
	if recurrenceID != "" {
		line(b, recurrenceID)
		line(b, "SEQUENCE:1")
	} else {
		line(b, "SEQUENCE:0")
	}
	line(b, "DTSTART"+dateTime(start))
	line(b, "DTEND"+dateTime(start.Add(length)))
	line(b, "SUMMARY:"+title(rng))
	line(b, "LOCATION:"+escapeText(places[rng.IntN(len(places))]))
	line(b, "DESCRIPTION:"+escapeText(description(rng)))
	line(b, "STATUS:CONFIRMED")
	line(b, "TRANSP:OPAQUE")
	line(b, "CLASS:PUBLIC")
	// The calendar's owner organizes the meeting, with people outside the
	// server invited: every write is an organizer's, so the server
	// schedules it (RFC 6638) and queues the invitations to be mailed.
	// Master and overrides share the organizer (RFC 6638 §3.2.4.2).
	line(b, "ORGANIZER;CN="+orgName+":mailto:"+orgEmail)
	line(b, "ATTENDEE;CN="+orgName+";ROLE=CHAIR;PARTSTAT=ACCEPTED;CUTYPE=INDIVIDUAL:mailto:"+orgEmail)
	for i, n := 0, 2+rng.IntN(5); i < n; i++ {
		p := people[rng.IntN(len(people))]
		line(b, fmt.Sprintf("ATTENDEE;CN=%s;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CUTYPE=INDIVIDUAL:mailto:%s", p, mailbox(p)))
	}
	for _, r := range recur {
		line(b, r)
	}
	b.WriteString("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n")
	b.WriteString("END:VEVENT\r\n")
}

// genInvite returns a meeting the benchmark user organizes and attends
// (ACCEPTED) with the local users of attendees (name, address pairs,
// RSVP=TRUE, NEEDS-ACTION) and one room (CUTYPE=ROOM), from start for 45
// minutes, in UTC: stored by its organizer, the server delivers it to
// every attendee and has the room answer at once (RFC 6638 implicit
// scheduling). Its description makes it the size of genEvent's events.
func genInvite(rng *rand.Rand, uid string, now, start time.Time, attendees [][2]string, roomCN, roomAddr string) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//kalends-bench//EN\r\nCALSCALE:GREGORIAN\r\n")
	b.WriteString("BEGIN:VEVENT\r\n")
	line(&b, "UID:"+uid)
	stamp := now.UTC().Format("20060102T150405Z")
	line(&b, "DTSTAMP:"+stamp)
	line(&b, "CREATED:"+stamp)
	line(&b, "LAST-MODIFIED:"+stamp)
	line(&b, "SEQUENCE:0")
	line(&b, "DTSTART"+dateTime(start.UTC()))
	line(&b, "DTEND"+dateTime(start.UTC().Add(45*time.Minute)))
	line(&b, "SUMMARY:"+title(rng))
	line(&b, "LOCATION:"+escapeText(roomCN))
	line(&b, "DESCRIPTION:"+escapeText(description(rng)))
	line(&b, "STATUS:CONFIRMED")
	line(&b, "TRANSP:OPAQUE")
	line(&b, "CLASS:PUBLIC")
	line(&b, "ORGANIZER;CN=Bench User:mailto:"+benchUser+"@example.com")
	line(&b, "ATTENDEE;CN=Bench User;ROLE=CHAIR;PARTSTAT=ACCEPTED;CUTYPE=INDIVIDUAL:mailto:"+benchUser+"@example.com")
	for _, a := range attendees {
		line(&b, fmt.Sprintf("ATTENDEE;CN=%s;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CUTYPE=INDIVIDUAL:mailto:%s", a[0], a[1]))
	}
	line(&b, fmt.Sprintf("ATTENDEE;CN=%s;ROLE=NON-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CUTYPE=ROOM:mailto:%s", roomCN, roomAddr))
	b.WriteString("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n")
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return []byte(b.String())
}

// dateTime formats t as the parameters and value of a DATE-TIME property
// (";TZID=Europe/Berlin:20250105T100000" or ":20250105T090000Z").
func dateTime(t time.Time) string {
	if t.Location() == time.UTC {
		return ":" + t.Format("20060102T150405Z")
	}
	return ";TZID=" + t.Location().String() + ":" + t.Format("20060102T150405")
}

// title returns a short summary of two or three words.
func title(rng *rand.Rand) string {
	n := 2 + rng.IntN(2)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[rng.IntN(len(words))]
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ")
}

// description returns 200-600 characters of meeting notes over several
// lines, the bulk of a real invitation's size.
func description(rng *rand.Rand) string {
	var b strings.Builder
	for target := 200 + rng.IntN(400); b.Len() < target; {
		b.WriteString("- ")
		for i, n := 0, 6+rng.IntN(8); i < n; i++ {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteString("(owner: " + people[rng.IntN(len(people))] + ")\n")
	}
	return b.String()
}

// mailbox derives an address from a person's name.
func mailbox(name string) string {
	first, last, _ := strings.Cut(strings.ToLower(name), " ")
	r := strings.NewReplacer("ü", "ue", "ö", "oe", "ä", "ae")
	return r.Replace(first) + "." + r.Replace(last) + "@example.org"
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// line writes one content line folded at 75 octets (RFC 5545 §3.1),
// never inside a UTF-8 sequence. Continuation lines hold 74 octets after
// their leading space.
func line(b *strings.Builder, s string) {
	for limit := 75; len(s) > limit; limit = 74 {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
