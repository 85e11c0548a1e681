package scheduling

import (
	"time"

	goical "github.com/emersion/go-ical"
)

// Options tunes Process.
type Options struct {
	// Now stamps DTSTAMP on the messages; zero means time.Now().
	Now time.Time
	// Addresses are further calendar user addresses of the actor (its
	// calendar-user-address-set, RFC 6638 §2.4.1): any of them may appear
	// as ORGANIZER or ATTENDEE.
	Addresses []string
	// NoReply is "Schedule-Reply: F" on an attendee's DELETE (RFC 6638
	// §8.1): the copy goes without telling the organizer.
	NoReply bool
}

// Role is what the actor is to the object being written.
type Role int

// The roles of RFC 6638 §3.1.
const (
	// RoleNone: the object is not a scheduling object resource for the
	// actor (no ORGANIZER, or the actor is neither organizer nor attendee);
	// no message is sent.
	RoleNone Role = iota
	// RoleOrganizer: the actor's address is the ORGANIZER.
	RoleOrganizer
	// RoleAttendee: the actor is an ATTENDEE of someone else's object.
	RoleAttendee
)

// Message is one iTIP message to deliver (RFC 5546 §1.4).
type Message struct {
	Method     string   // REQUEST, CANCEL or REPLY
	Originator string   // the ORGANIZER (REQUEST, CANCEL) or the replying ATTENDEE, as written
	Recipients []string // calendar user addresses, as written in the object
	UID        string
	Sequence   int // the highest SEQUENCE of the components carried
	// Calendar is the VCALENDAR to deliver, METHOD included. Components
	// carry no VALARM and no SCHEDULE-* parameter (RFC 6638 §7).
	Calendar *goical.Calendar
}

// Result is the outcome of Process.
type Result struct {
	Role Role
	// Object is what to store: the new object with SEQUENCE bumped,
	// PARTSTATs reset and SCHEDULE-FORCE-SEND removed; nil on delete.
	Object   *goical.Calendar
	Messages []*Message
}

// SCHEDULE-STATUS values (RFC 6638 §3.2.9, RFC 5546 §3.6). Only these
// delivery codes are written: 2.0 ("processed") is a REQUEST-STATUS of
// iTIP answers and never a SCHEDULE-STATUS (RFC 6638 §7.3).
const (
	StatusPending      = "1.0" // delivery queued, not yet attempted
	StatusSent         = "1.1" // handed to a transport (iMIP)
	StatusDelivered    = "1.2" // put in the recipient's inbox (and calendar)
	StatusInvalidUser  = "3.7" // the recipient is not a calendar user
	StatusNoPrivilege  = "3.8" // the recipient refused scheduling by the actor
	StatusFailed       = "5.1" // delivery failed
	StatusNoScheduling = "5.3" // no scheduling support for the recipient
)

// SetScheduleStatus records the outcome of delivering a message to
// recipient in r.Object: the SCHEDULE-STATUS parameter of that ATTENDEE
// (organizer writes) or of the ORGANIZER (attendee writes), as RFC 6638
// §3.2.9 requires. Call it after delivery, before storing; the status
// does not change the object's Schedule-Tag (§3.2.10).
func (r *Result) SetScheduleStatus(recipient, status string) {
	if r.Object == nil {
		return
	}
	name := "ATTENDEE"
	if r.Role == RoleAttendee {
		name = "ORGANIZER"
	}
	addr := normAddr(recipient)
	for _, c := range r.Object.Children {
		if !isScheduling(c.Name) {
			continue
		}
		ps := c.Props[name]
		for i := range ps {
			if normAddr(ps[i].Value) == addr {
				ps[i].Params.Set("SCHEDULE-STATUS", status)
			}
		}
	}
}

// Process applies the RFC 6638 §3.2 implicit scheduling rules to the write
// of a scheduling object resource by the calendar user actor: old is the
// stored version (nil on create), new the version written (nil on
// delete). It returns the messages to send and the object to store; it
// never modifies old or new.
//
// When actor is the ORGANIZER: REQUEST to the attendees whose view
// changed, CANCEL to those removed (or to everyone on delete), per
// occurrence when only occurrences changed. When actor is an ATTENDEE:
// REPLY to the organizer when its PARTSTAT changed, or DECLINED on delete.
// Refused writes are *Error values with the RFC 6638 §3.2.4 precondition.
func Process(old, new *goical.Calendar, actor string, opts Options) (*Result, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	oldS, newS := components(old), components(new)
	if old != nil && new != nil && oldS.uid() != "" && newS.uid() != oldS.uid() {
		return nil, forbidden(CondValidObject, "the UID of a scheduling object resource cannot change (%q to %q)", oldS.uid(), newS.uid())
	}
	newOrg, err := checkOrganizer(newS)
	if err != nil {
		return nil, err
	}
	oldOrg, _ := checkOrganizer(oldS)
	me := actorSet(actor, opts.Addresses)
	res := &Result{Object: cloneCal(new)}
	switch {
	case oldOrg == "" && newOrg == "":
		return res, nil
	case me[oldOrg] || oldOrg == "" && me[newOrg]:
		// The actor organizes the stored meeting, or makes one of a new
		// or private event.
		if new != nil && newOrg != "" && !me[newOrg] {
			return nil, forbidden(CondOrganizerChange, "the organizer cannot hand the ORGANIZER role to %s", newOrg)
		}
		res.Role = RoleOrganizer
		return res, organizerProcess(res, oldS, components(res.Object), opts)
	}
	addr := findAttendee(me, oldS, newS)
	if oldOrg != "" && new != nil && oldOrg != newOrg {
		if addr != "" {
			return nil, forbidden(CondAttendeeChange, "an attendee cannot change the ORGANIZER")
		}
		return nil, forbidden(CondOrganizerChange, "the ORGANIZER of a scheduling object resource cannot change")
	}
	if addr == "" {
		return res, nil
	}
	res.Role = RoleAttendee
	return res, attendeeProcess(res, oldS, components(res.Object), addr, opts)
}

// checkOrganizer enforces RFC 6638 §3.2.4.2: one ORGANIZER, the same in
// every component (or none at all).
func checkOrganizer(s *compSet) (string, error) {
	org, seen := "", false
	for i, k := range s.keys {
		o, n := organizerOf(s.byKey[k])
		if n > 1 {
			return "", forbidden(CondSameOrganizer, "a component has %d ORGANIZER properties", n)
		}
		if i > 0 && (o != org || !seen && n > 0) {
			return "", forbidden(CondSameOrganizer, "components have different ORGANIZERs (%q and %q)", org, o)
		}
		org, seen = o, n > 0
	}
	return org, nil
}

func actorSet(actor string, more []string) map[string]bool {
	m := map[string]bool{normAddr(actor): true}
	for _, a := range more {
		m[normAddr(a)] = true
	}
	delete(m, "")
	return m
}

// findAttendee returns the actor's address as an ATTENDEE of either
// version, "" when the actor is not invited.
func findAttendee(me map[string]bool, sets ...*compSet) string {
	for _, s := range sets {
		for _, k := range s.keys {
			for addr := range attendees(s.byKey[k]) {
				if me[addr] {
					return addr
				}
			}
		}
	}
	return ""
}
