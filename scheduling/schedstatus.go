package scheduling

import "github.com/kalends/kalends/ical"

// SetScheduleStatusText records the outcome of a delivery made after the
// object was stored (iMIP mail, tried by the outbox worker) in its stored
// text: the SCHEDULE-STATUS parameter (RFC 6638 §3.2.9) of recipient's
// ATTENDEE properties when role is RoleOrganizer, of the ORGANIZER
// property when it is RoleAttendee, in every component naming recipient
// (the master and the overrides). Only those parameters change (see
// ical.SetParam); it reports false, returning data, when there was
// nothing to change: recipient is not named, or already has that status.
func SetScheduleStatusText(data []byte, role Role, recipient, status string) ([]byte, bool) {
	prop := "ATTENDEE"
	if role == RoleAttendee {
		prop = "ORGANIZER"
	}
	addr := normAddr(recipient)
	out, n := ical.SetParam(data, ical.ParamEdit{
		Components: []string{"VEVENT", "VTODO", "VJOURNAL"},
		Prop:       prop,
		Match:      func(v string) bool { return normAddr(v) == addr },
		Param:      "SCHEDULE-STATUS",
		Value:      status,
	})
	return out, n > 0
}
