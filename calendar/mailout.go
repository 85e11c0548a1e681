package calendar

import (
	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/scheduling"
)

// mailed records the messages whose mail is queued. Messages are made
// afresh each time a transaction runs, so an entry of a run the store
// retried never matches a message of the next.
type mailed map[*scheduling.Message]bool

// queue records that message m goes by mail (iMIP, RFC 6047) to rcpt, a
// recipient outside the server; the outbox worker mails it after commit.
// The first call for m queues it for all its recipients outside the
// server at once (TxStore.QueueMail): the text of an invitation names
// every attendee, so it is stored once for all of them, and the queue
// grows with the attendees rather than with their square. Later calls
// for m find it queued.
func (s *scheduler) queue(sender *backend.Principal, m *scheduling.Message, rcpt string, data []byte) error {
	if s.mail[m] {
		return nil
	}
	var outside []string
	for _, r := range m.Recipients {
		p, err := s.lookup(r)
		if err != nil {
			return err
		}
		if p == nil {
			outside = append(outside, r)
		}
	}
	if s.mail == nil {
		s.mail = mailed{}
	}
	s.mail[m] = true
	return s.tx.QueueMail(s.ctx, &backend.OutboundMessage{PrincipalID: sender.ID, Originator: m.Originator,
		Method: m.Method, UID: m.UID, Data: data}, outside)
}
