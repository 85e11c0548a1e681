package calendar

import (
	"errors"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/scheduling"
)

// deliverReply records an attendee's REPLY in the local organizer's copy
// (RFC 5546 §3.2.3, RFC 6638 §3.2.2) and returns the SCHEDULE-STATUS for
// the attendee's ORGANIZER: 1.2 (delivered) once the organizer's copy
// shows the answer. A reply repeating the recorded answer changes nothing
// (Thunderbird re-sends) and is delivered all the same. PARTSTAT-only
// changes keep the organizer's Schedule-Tag (RFC 6638 §3.2.10). A REPLY
// from someone the organizer's copy does not invite (removed meanwhile,
// or never invited) is refused with 3.7 and one older than the
// organizer's copy with 5.1, and logged: the attendee's own copy is
// still theirs to keep, the organizer's is not touched (RFC 5546 §3.6),
// and the attendee is never told it arrived.
func (s *scheduler) deliverReply(org *backend.Principal, m *scheduling.Message, data []byte) (string, error) {
	existing, cal, err := s.findCopy(org, m.UID)
	if err != nil {
		return "", err
	}
	if existing == nil {
		// The organizer deleted the meeting: the reply only reaches
		// the inbox.
		return scheduling.StatusDelivered, s.toInbox(org, m, data)
	}
	cur, err := parseStored(existing)
	if err != nil {
		return "", err
	}
	out, changed, err := scheduling.ApplyReply(cur, m.Calendar)
	var na *scheduling.NotAttendeeError
	switch {
	case errors.As(err, &na):
		return scheduling.StatusInvalidUser, nil
	case err != nil:
		s.svc.logger.WarnContext(s.ctx, "scheduling reply not applied", "uid", m.UID, "from", m.Originator, "error", err)
		return scheduling.StatusFailed, nil
	case !changed:
		return scheduling.StatusDelivered, nil
	}
	if _, err := s.storeCopy(org, existing, cal, out, existing.Index.ScheduleTag); err != nil {
		return "", err
	}
	if err := s.toInbox(org, m, data); err != nil {
		return "", err
	}
	return scheduling.StatusDelivered, s.refresh(org, out)
}

// refresh brings the other participants' copies up to date with the
// organizer's copy orgCal after answers changed it, so that every
// participant sees everyone's PARTSTAT. Process on a "new" object gives
// each attendee its own view of the meeting as a REQUEST; ApplyRequest
// keeps the attendee's own answer. Only existing local copies are
// touched, with their Schedule-Tag kept (PARTSTATs only, RFC 6638
// §3.2.10) and nothing in the inbox: it is not an invitation. The actor's
// own copy is skipped (the request writes it), and so are mail
// recipients (no iMIP refresh per answer).
func (s *scheduler) refresh(org *backend.Principal, orgCal *goical.Calendar) error {
	rr, err := s.processAs(org, nil, orgCal, false)
	if err != nil || rr.Role != scheduling.RoleOrganizer {
		return nil
	}
	for _, m := range rr.Messages {
		if m.Method != "REQUEST" {
			continue
		}
		for _, rcpt := range m.Recipients {
			p, err := s.lookup(rcpt)
			if err != nil {
				return err
			}
			if p == nil || p.ID == org.ID || p.ID == s.actor.ID {
				continue
			}
			existing, cal, err := s.findCopy(p, m.UID)
			if err != nil {
				return err
			}
			if existing == nil {
				continue // declined by deleting: not re-invited by others' answers
			}
			cur, err := parseStored(existing)
			if err != nil {
				return err
			}
			out, err := scheduling.ApplyRequest(cur, m.Calendar, rcpt)
			if err != nil {
				continue
			}
			if _, err := s.storeCopy(p, existing, cal, out, existing.Index.ScheduleTag); err != nil {
				var de *Error
				if errors.As(err, &de) {
					continue
				}
				return err
			}
		}
	}
	return nil
}
