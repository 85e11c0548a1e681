package scheduling

import (
	"fmt"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// PolicyMode is how a room or resource answers invitations.
type PolicyMode int

// Policy modes. The zero value is AcceptIfFree.
const (
	// AcceptIfFree accepts occurrences that conflict with no booking and
	// declines the others.
	AcceptIfFree PolicyMode = iota
	// AlwaysAccept accepts everything (a resource that can be shared).
	AlwaysAccept
	// AlwaysDecline declines everything (a room out of service).
	AlwaysDecline
	// Manual leaves the answer to a person: NEEDS-ACTION, no reply.
	Manual
)

// Policy is a room's or resource's booking rule.
type Policy struct {
	Mode PolicyMode
	// MaxConcurrent is how many bookings may overlap (a pool of identical
	// resources); 0 means 1. Counting is conservative: every booking that
	// overlaps the requested occurrence counts, even if they do not
	// overlap each other.
	MaxConcurrent int
	// DeclineSeries declines the whole series when one occurrence
	// conflicts, instead of declining only the conflicting occurrences.
	DeclineSeries bool
}

// Decision is the room's answer. PartStat is for the whole event (the
// master); Occurrences lists the occurrences whose answer differs from it.
type Decision struct {
	PartStat    string // ACCEPTED, DECLINED or NEEDS-ACTION
	Reason      string // why it was declined, for REQUEST-STATUS or logs
	Occurrences []OccurrenceDecision
}

// OccurrenceDecision is the answer for one occurrence of a series.
type OccurrenceDecision struct {
	RecurrenceID time.Time // UTC
	Key          string    // the recurrence key (see KeyOf)
	PartStat     string
	Conflict     *backend.InstanceRef // the booking in the way, when declined for a conflict
}

// RoomDecision decides how a room or resource principal answers an
// invitation. requested are the occurrences of the event (ical.Expand over
// the booking horizon); busy the room's indexed occurrences over the same
// range, without those of the event being decided (the caller filters its
// URI). capacity is the room's seat count (0: unknown) and attendeeCount
// the number of attendees. It is a pure decision: the store books the
// room atomically later and may still refuse with a backend busy error.
func RoomDecision(requested []ical.Instance, busy []backend.InstanceRef, policy Policy, capacity, attendeeCount int) Decision {
	switch policy.Mode {
	case AlwaysAccept:
		return Decision{PartStat: "ACCEPTED"}
	case AlwaysDecline:
		return Decision{PartStat: "DECLINED", Reason: "this resource declines all invitations"}
	case Manual:
		return Decision{PartStat: "NEEDS-ACTION"}
	}
	if capacity > 0 && attendeeCount > capacity {
		return Decision{PartStat: "DECLINED", Reason: fmt.Sprintf("%d attendees exceed the capacity of %d", attendeeCount, capacity)}
	}
	limit := policy.MaxConcurrent
	if limit <= 0 {
		limit = 1
	}
	var declined []OccurrenceDecision
	live := 0
	for _, in := range requested {
		if in.Transparent || in.Status == "CANCELLED" {
			continue // a cancelled or free occurrence books nothing
		}
		live++
		if c := conflict(in, busy, limit); c != nil {
			declined = append(declined, OccurrenceDecision{RecurrenceID: in.RecurrenceID,
				Key: KeyOf(in.RecurrenceID, in.AllDay), PartStat: "DECLINED", Conflict: c})
		}
	}
	switch {
	case len(declined) == 0:
		return Decision{PartStat: "ACCEPTED"}
	case len(declined) == live || policy.DeclineSeries || declined[0].RecurrenceID.IsZero():
		return Decision{PartStat: "DECLINED", Reason: conflictReason(declined[0]), Occurrences: nil}
	}
	return Decision{PartStat: "ACCEPTED", Reason: fmt.Sprintf("%d occurrence(s) declined for conflicts", len(declined)), Occurrences: declined}
}

// conflict returns a booking overlapping in once limit bookings overlap it.
func conflict(in ical.Instance, busy []backend.InstanceRef, limit int) *backend.InstanceRef {
	n := 0
	for i := range busy {
		b := &busy[i]
		if fbType(*b) == "" || !b.Start.Before(in.End) || !in.Start.Before(b.End) {
			continue
		}
		if n++; n >= limit {
			return b
		}
	}
	return nil
}

func conflictReason(d OccurrenceDecision) string {
	return fmt.Sprintf("already booked %s to %s", d.Conflict.Start.UTC().Format(time.RFC3339), d.Conflict.End.UTC().Format(time.RFC3339))
}

// Apply writes the decision into the room's copy of the event: the room's
// PARTSTAT on the master and, for occurrences answered differently, on
// overrides created from the master (RFC 5546 §3.2.3 replies per
// occurrence). Process on the result then yields the REPLY. roomCopy is
// not modified.
func (d Decision) Apply(roomCopy *goical.Calendar, room string) *goical.Calendar {
	out := cloneCal(roomCopy)
	s := components(out)
	addr := normAddr(room)
	set := func(c *goical.Component, ps string) {
		if p := attendee(c, addr); p != nil {
			p.Params.Set("PARTSTAT", ps)
			p.Params.Del("RSVP")
		}
	}
	for _, k := range s.keys {
		set(s.byKey[k], d.PartStat)
	}
	for _, o := range d.Occurrences {
		if c := occurrence(s, o.Key, ridProp(o.Key), true); c != nil {
			set(c, o.PartStat)
		}
	}
	return out
}
