package calendar

import (
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// Rooms and resources answer invitations themselves (auto-accept, as
// Apple Calendar Server and SOGo do): the check and the booking are one
// step inside the organizer's transaction, under the room's lock, so two
// invitations can never both see the room free (no double
// booking, ever), and the organizer's copy carries the room's PARTSTAT and
// SCHEDULE-STATUS as soon as the PUT returns.

// roomPolicy reads a room's booking policy (backend.Principal.BookingPolicy).
func roomPolicy(p *backend.Principal) scheduling.Policy {
	pol := scheduling.Policy{MaxConcurrent: p.MaxBookings}
	switch strings.ToLower(p.BookingPolicy) {
	case "always-accept":
		pol.Mode = scheduling.AlwaysAccept
	case "always-decline":
		pol.Mode = scheduling.AlwaysDecline
	case "manual":
		pol.Mode = scheduling.Manual
	}
	return pol
}

// bookRoom delivers a REQUEST to a room or resource and answers it: the
// room's copy is updated, its decision applied (RFC 5546 §3.2.3, one
// answer per occurrence when only some conflict) and its REPLY applied to
// the organizer's object sr.Object before that is stored. It returns the
// SCHEDULE-STATUS (1.2: delivered, answered or not; 2.0 is no delivery
// code, RFC 6638 §3.2.9) and the REPLYs that changed the organizer's object.
func (s *scheduler) bookRoom(sender, room *backend.Principal, rcpt string, m *scheduling.Message, data []byte,
	sr *scheduling.Result) (string, []*goical.Calendar, error) {
	if err := s.tx.LockPrincipal(s.ctx, room.ID); err != nil {
		return "", nil, err
	}
	existing, cal, err := s.findCopy(room, m.UID)
	if err != nil {
		return "", nil, err
	}
	cur, err := parseStored(existing)
	if err != nil {
		return "", nil, err
	}
	req, err := scheduling.ApplyRequest(cur, m.Calendar, rcpt)
	if err != nil {
		return scheduling.StatusInvalidUser, nil, nil
	}
	uri := ResourceName(m.UID)
	if existing != nil {
		uri = existing.URI
	} else if cal, err = s.defaultCalendar(room, schedComponent(req)); err != nil || cal == nil {
		return scheduling.StatusNoScheduling, nil, err
	}
	requested := s.requested(req, cal, rcpt)
	busy, err := s.roomBusy(room, requested, cal.ID, uri)
	if err != nil {
		return "", nil, err
	}
	d := scheduling.RoomDecision(requested, busy, roomPolicy(room), room.Capacity, attendeeCount(req))
	decided := d.Apply(req, rcpt)
	freeDeclined(decided, rcpt)
	rr, err := scheduling.Process(req, decided, rcpt, scheduling.Options{Now: s.now})
	if err != nil {
		return scheduling.StatusFailed, nil, nil
	}
	answers := s.roomAnswer(sr, rr, rcpt, m.Originator, d.PartStat != "NEEDS-ACTION")
	if _, err := s.storeCopy(room, existing, cal, rr.Object, newScheduleTag()); err != nil {
		return "", nil, err
	}
	// The REQUEST stays in the room's inbox for a delegate (manual policy).
	if err := s.toInbox(room, m, data); err != nil {
		return "", nil, err
	}
	// The organizer's inbox gets the REPLY of what changed, with the reason.
	for _, reply := range rr.Messages {
		if reply.Method != "REPLY" {
			continue
		}
		if d.Reason != "" {
			explain(reply.Calendar, d.Reason)
		}
		if err := s.toInbox(sender, reply, ical.EncodeText(reply.Calendar)); err != nil {
			return "", nil, err
		}
	}
	return scheduling.StatusDelivered, answers, nil
}

// roomAnswer records the room's answer in the organizer's object
// sr.Object before it is stored: when the room decided (auto), its whole
// answer, every component of its copy rr.Object, not only the
// occurrences whose PARTSTAT the decision changed, so that a re-invitation
// whose master the organizer's client reset to NEEDS-ACTION shows the room's
// ACCEPTED again. The room's copy then records on its ORGANIZER that the
// answer was delivered (1.2, RFC 6638 §3.2.9). It returns the answers that
// changed sr.Object, for the messages to the other attendees.
func (s *scheduler) roomAnswer(sr, rr *scheduling.Result, rcpt, org string, decided bool) []*goical.Calendar {
	var replies []*goical.Calendar
	if decided {
		if a := scheduling.Answer(rr.Object, rcpt, s.now); a != nil {
			replies = append(replies, a.Calendar)
		}
	} else {
		for _, reply := range rr.Messages {
			if reply.Method == "REPLY" {
				replies = append(replies, reply.Calendar)
			}
		}
	}
	var answers []*goical.Calendar
	for _, reply := range replies {
		out, ok, err := scheduling.ApplyReply(sr.Object, reply)
		if err == nil {
			rr.SetScheduleStatus(org, scheduling.StatusDelivered)
		}
		if err == nil && ok {
			sr.Object = out
			answers = append(answers, reply)
		}
	}
	return answers
}

// requested lists the occurrences the room is asked for: the event
// expanded over the index window (backend.IndexWindow: a series that began
// in 2000 is judged by its occurrences around now, not by its first
// max-instances), keeping those whose component invites the room.
func (s *scheduler) requested(cal *goical.Calendar, c *backend.Calendar, rcpt string) []ical.Instance {
	opts := s.svc.ExpandOptions(c)
	from, until := backend.IndexWindow(s.now)
	insts, _ := ical.Expand(cal, from, until, opts)
	want := backend.NormalizeEmail(rcpt)
	var out []ical.Instance
	for _, in := range insts {
		if in.Component == nil {
			continue
		}
		for _, p := range in.Component.Props["ATTENDEE"] {
			if backend.NormalizeEmail(p.Value) == want {
				out = append(out, in)
				break
			}
		}
	}
	return out
}

// roomBusy reads the room's booked occurrences over the span of the
// requested ones, from the instance index of all its calendars, leaving
// out the room's own copy of this event (uri in calendar calID).
func (s *scheduler) roomBusy(room *backend.Principal, requested []ical.Instance, calID int64, uri string) ([]backend.InstanceRef, error) {
	if len(requested) == 0 {
		return nil, nil
	}
	lo, hi := requested[0].Start, requested[0].End
	for _, in := range requested {
		if in.Start.Before(lo) {
			lo = in.Start
		}
		if in.End.After(hi) {
			hi = in.End
		}
	}
	if !hi.After(lo) {
		hi = lo.Add(time.Second)
	}
	cals, err := s.calendarsOf(room)
	if err != nil {
		return nil, err
	}
	var busy []backend.InstanceRef
	for _, c := range cals {
		if c.Kind != backend.CollectionCalendar {
			continue
		}
		refs, err := s.tx.InstancesInRange(s.ctx, c.ID, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if c.ID != calID || r.URI != uri {
				busy = append(busy, r)
			}
		}
	}
	return busy, nil
}

// attendeeCount is the number of people the meeting seats: the distinct
// ATTENDEEs that are not rooms or resources (CUTYPE, RFC 5545 §3.2.3),
// plus the ORGANIZER when it is not listed among them.
func attendeeCount(cal *goical.Calendar) int {
	people := map[string]bool{}
	for _, c := range cal.Children {
		for _, p := range c.Props["ATTENDEE"] {
			switch strings.ToUpper(p.Params.Get("CUTYPE")) {
			case "ROOM", "RESOURCE":
				continue
			}
			people[backend.NormalizeEmail(p.Value)] = true
		}
		if o := c.Props.Get("ORGANIZER"); o != nil {
			people[backend.NormalizeEmail(o.Value)] = true
		}
	}
	return len(people)
}

// freeDeclined marks the components the room declined TRANSP:TRANSPARENT
// in its own copy: a declined occurrence must not block the room in the
// instance index that later decisions and free-busy read. TRANSP is the
// attendee's to set (RFC 6638 §3.2.2.1) and never reaches the organizer.
func freeDeclined(cal *goical.Calendar, room string) {
	want := backend.NormalizeEmail(room)
	for _, c := range cal.Children {
		for _, p := range c.Props["ATTENDEE"] {
			if backend.NormalizeEmail(p.Value) == want && strings.EqualFold(p.Params.Get("PARTSTAT"), "DECLINED") {
				c.Props.SetText("TRANSP", "TRANSPARENT")
			}
		}
	}
}

// explain adds the room's reason (over capacity, already booked) to its
// REPLY as a COMMENT (RFC 5546 §3.2.3 allows one), which the organizer
// finds in the inbox message.
func explain(reply *goical.Calendar, reason string) {
	for _, c := range reply.Children {
		switch c.Name {
		case goical.CompEvent, goical.CompToDo, goical.CompJournal:
			c.Props.SetText("COMMENT", reason)
		}
	}
}
