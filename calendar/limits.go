package calendar

import goical "github.com/emersion/go-ical"

// DefaultMaxAttendees is the default CALDAV:max-attendees-per-instance.
// Every attendee of a scheduling object is a delivery (a copy, an inbox
// message or a mail) on each change, so the limit bounds the work and
// the mail one write may cause; 1,000 is more than the largest meetings
// (all-hands, lectures) that clients schedule by invitation.
const DefaultMaxAttendees = 1000

// checkAttendees enforces max-attendees-per-instance (RFC 4791 §5.2.9,
// §5.3.2.1): no component of the object (the master or an overridden
// occurrence, each an instance's view) may have more ATTENDEE properties
// than the limit. It runs on the parsed text, before expansion and
// scheduling, so that an object over the limit costs only its parsing.
func (s *Service) checkAttendees(cal *goical.Calendar) error {
	for _, c := range cal.Children {
		if n := len(c.Props["ATTENDEE"]); n > s.opts.MaxAttendees {
			return errorf(TooManyAttendees, "a %s may have at most %d attendees, not %d", c.Name, s.opts.MaxAttendees, n)
		}
	}
	return nil
}
