package calendar

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// deliverAll delivers the messages of sr, written by sender, inside the
// transaction, and records each outcome as the SCHEDULE-STATUS of the
// recipient in sr.Object (RFC 6638 §3.2.9): 1.1 queued for mail, 1.2 in
// a local inbox, 2.0 processed at once (rooms, replies), 3.7 not a
// calendar user of the object, 5.x delivery failed. A recipient that
// cannot be served fails alone; a store error fails the whole write.
//
// Rooms and resources are served first: their answers go into the
// organizer's object and into the messages to everyone else before those
// are delivered, so that each attendee's copy (and inbox message, and
// mail) is written once and already shows the rooms' PARTSTATs.
func (s *scheduler) deliverAll(sender *backend.Principal, sr *scheduling.Result) error {
	var answers []*goical.Calendar
	rooms := map[string]bool{} // recipients served in the first pass
	for _, m := range sr.Messages {
		if m.Method != "REQUEST" {
			continue
		}
		var data []byte
		for _, rcpt := range m.Recipients {
			p, err := s.lookup(rcpt)
			if err != nil {
				return err
			}
			if p == nil || p.ID == sender.ID || !isRoom(p) {
				continue
			}
			if data == nil {
				data = ical.EncodeText(m.Calendar)
			}
			status, replies, err := s.bookRoom(sender, p, rcpt, m, data, sr)
			if err = s.recordStatus(sr, rcpt, status, err); err != nil {
				return err
			}
			rooms[backend.NormalizeEmail(rcpt)] = true
			answers = append(answers, replies...)
		}
	}
	for _, m := range sr.Messages {
		if m.Method == "REQUEST" {
			for _, a := range answers {
				m.AddAnswer(a)
			}
		}
		data := ical.EncodeText(m.Calendar)
		for _, rcpt := range m.Recipients {
			if m.Method == "REQUEST" && rooms[backend.NormalizeEmail(rcpt)] {
				continue
			}
			p, err := s.lookup(rcpt)
			if err != nil {
				return err
			}
			var status string
			switch {
			case p == nil:
				status, err = scheduling.StatusSent, s.queue(sender, m, rcpt, data)
			case p.ID == sender.ID:
				continue // one of the sender's other addresses
			case m.Method == "REPLY":
				status, err = s.deliverReply(p, m, data)
			default:
				status, err = s.deliverLocal(p, rcpt, m, data)
			}
			if err = s.recordStatus(sr, rcpt, status, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordStatus sets the SCHEDULE-STATUS of one delivery, 5.1 when the
// recipient's calendar refused the copy (too many instances, unsupported
// component): their problem, reported to the sender, not a failed write.
// Any other error fails the write.
func (s *scheduler) recordStatus(sr *scheduling.Result, rcpt, status string, err error) error {
	var de *Error
	if errors.As(err, &de) {
		s.svc.logger.WarnContext(s.ctx, "scheduling delivery failed", "recipient", rcpt, "error", err)
		status, err = scheduling.StatusFailed, nil
	}
	if err != nil {
		return err
	}
	sr.SetScheduleStatus(rcpt, status)
	return nil
}

func isRoom(p *backend.Principal) bool {
	return p.Kind == backend.KindRoom || p.Kind == backend.KindResource
}

// ResourceName is the name of a delivered copy or inbox message: the UID itself
// when it is a plain URL segment, as clients name their own resources
// (python-caldav's accept_invite writes to <calendar>/<UID>.ics and must
// find the delivered copy there), else a hash of it.
func ResourceName(uid string) string {
	if len(uid) <= 200 && backend.ValidateName(uid) == nil {
		return uid + ".ics"
	}
	sum := sha256.Sum256([]byte(uid))
	return hex.EncodeToString(sum[:16]) + ".ics"
}

// findCopy returns p's scheduling object of that UID and its calendar,
// nil when p has none (RFC 6638 §3.2.4.1: at most one per user).
func (s *scheduler) findCopy(p *backend.Principal, uid string) (*backend.Object, *backend.Calendar, error) {
	objs, err := s.objectsByUID(p, uid)
	if err != nil || len(objs) == 0 {
		return nil, nil, err
	}
	c, err := s.calendarOf(p, objs[0].CalendarID)
	return objs[0], c, err
}

// calendarOf returns the calendar of p with that id.
func (s *scheduler) calendarOf(p *backend.Principal, calID int64) (*backend.Calendar, error) {
	cals, err := s.calendarsOf(p)
	if err != nil {
		return nil, err
	}
	for _, c := range cals {
		if c.ID == calID {
			return c, nil
		}
	}
	return nil, backend.ErrNotFound
}

// defaultCalendar is where a new copy goes: the calendar "calendar" made
// by EnsureHome (the schedule-default-calendar, RFC 6638 §9.2), or else
// the first calendar accepting the component (to-dos go to "tasks").
func (s *scheduler) defaultCalendar(p *backend.Principal, comp string) (*backend.Calendar, error) {
	cals, err := s.calendarsOf(p)
	if err != nil {
		return nil, err
	}
	var first *backend.Calendar
	for _, c := range cals {
		if c.Kind != backend.CollectionCalendar || !c.Accepts(comp) {
			continue
		}
		if c.URI == DefaultCalendar {
			return c, nil
		}
		if first == nil {
			first = c
		}
	}
	return first, nil
}

// schedComponent is the type of the first VEVENT, VTODO or VJOURNAL.
func schedComponent(cal *goical.Calendar) string {
	for _, c := range cal.Children {
		switch c.Name {
		case goical.CompEvent, goical.CompToDo, goical.CompJournal:
			return c.Name
		}
	}
	return ""
}

// storeCopy writes out as p's copy: over existing (in cal) when there is
// one, else as a new resource in p's default calendar. tag is the
// Schedule-Tag to store. It reports false when p has no calendar for it.
func (s *scheduler) storeCopy(p *backend.Principal, existing *backend.Object, cal *backend.Calendar, out *goical.Calendar, tag string) (bool, error) {
	uri := ResourceName(schedUID(out))
	if existing != nil {
		uri = existing.URI
	} else {
		var err error
		if cal, err = s.defaultCalendar(p, schedComponent(out)); err != nil || cal == nil {
			return false, err
		}
	}
	obj, err := s.svc.objectFor(cal, uri, out)
	if err != nil {
		return false, err
	}
	obj.Index.ScheduleTag = tag
	s.write(p, cal, obj)
	return true, nil
}

func schedUID(cal *goical.Calendar) string {
	for _, c := range cal.Children {
		if p := c.Props.Get("UID"); p != nil && c.Name != "VTIMEZONE" {
			return p.Value
		}
	}
	return ""
}

// toInbox puts an iTIP message in p's scheduling inbox (RFC 6638 §4.1),
// as a resource of its own: each organizer change that affects an
// attendee, and each answer, is a message the client sees and may act
// on, never overwritten by the next one (Apple's Calendar Server does the
// same). The message carries METHOD, so it is stored as is, without the
// calendar checks. An inbox is no calendar collection: RFC 4791 §5.3.2.1's
// one-resource-per-UID does not apply to it, but the store keys objects by
// UID per collection, so the index UID of a message is its resource name
// (unique in the inbox), the text keeping the meeting's UID.
func (s *scheduler) toInbox(p *backend.Principal, m *scheduling.Message, data []byte) error {
	cals, err := s.calendarsOf(p)
	if err != nil {
		return err
	}
	for _, inbox := range cals {
		if inbox.URI == Inbox {
			name := inboxName(m.UID)
			s.write(p, inbox, &backend.Object{URI: name, UID: name, Component: schedComponent(m.Calendar),
				Data: data, Index: backend.ObjectIndex{Sequence: m.Sequence}})
			return nil
		}
	}
	return nil
}

// inboxName names a new inbox message about uid: the name of the
// meeting's copy with a random suffix, so that messages about one meeting
// sort together.
func inboxName(uid string) string {
	var b [6]byte
	rand.Read(b[:])
	return strings.TrimSuffix(ResourceName(uid), ".ics") + "-" + hex.EncodeToString(b[:]) + ".ics"
}

// deliverLocal applies a REQUEST or CANCEL to a local user's copy (RFC
// 5546 §3.2.2, §3.2.5; a new copy starts NEEDS-ACTION, a cancelled one
// stays STATUS:CANCELLED) and leaves the message in their inbox. The organizer changed the copy: new Schedule-Tag.
func (s *scheduler) deliverLocal(p *backend.Principal, rcpt string, m *scheduling.Message, data []byte) (string, error) {
	existing, cal, err := s.findCopy(p, m.UID)
	if err != nil {
		return "", err
	}
	cur, err := parseStored(existing)
	if err != nil {
		return "", err
	}
	switch m.Method {
	case "REQUEST":
		out, err := scheduling.ApplyRequest(cur, m.Calendar, rcpt)
		if err != nil {
			return scheduling.StatusInvalidUser, nil
		}
		ok, err := s.storeCopy(p, existing, cal, out, newScheduleTag())
		if err != nil {
			return "", err
		}
		if !ok {
			return scheduling.StatusNoScheduling, nil
		}
	case "CANCEL":
		// The copy stays, STATUS:CANCELLED, for the attendee to see
		// and delete (ApplyCancel).
		out, err := scheduling.ApplyCancel(cur, m.Calendar)
		if err == nil && out != nil {
			if _, err := s.storeCopy(p, existing, cal, out, newScheduleTag()); err != nil {
				return "", err
			}
		}
	}
	if err := s.toInbox(p, m, data); err != nil {
		return "", err
	}
	return scheduling.StatusDelivered, nil
}
