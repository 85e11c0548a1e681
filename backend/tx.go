package backend

import (
	"context"
	"time"
)

// TxStore is what a function run by Store.Update may do. Every call joins
// one transaction: the writes commit together or not at all (a scheduling
// write: the organizer's object, the attendees' copies, their inbox
// messages and the mail to send).
type TxStore interface {
	Objects
	CalendarReader
	CalendarUpdater

	// LockPrincipal makes decisions about a principal's time (a room's
	// bookings) one at a time until the transaction ends, across server
	// processes: two invitations of one room cannot both see it free.
	LockPrincipal(ctx context.Context, principalID int64) error
	// QueueMessage records an iTIP message for a recipient outside the
	// server, to be mailed (iMIP) after commit (see MailQueue), and sets
	// m.ID and m.BodyID. It is QueueMail for m.Recipient alone.
	QueueMessage(ctx context.Context, m *OutboundMessage) error
	// QueueMail records one iTIP message for several recipients outside
	// the server: one queued message per recipient, in their order, each
	// with its own status, attempts and report, all sharing one stored
	// copy of m.Data (one BodyID, set in m). An invitation names every
	// attendee, so one copy per recipient would make the queue grow with
	// the square of the attendees; shared, it grows with their number.
	// m.Recipient is not used; no recipients queue nothing.
	QueueMail(ctx context.Context, m *OutboundMessage, recipients []string) error
}

// OutboundMessage is an iTIP message waiting to be mailed.
type OutboundMessage struct {
	ID          int64
	PrincipalID int64  // the sender (organizer or replying attendee)
	Originator  string // calendar address of the sender
	Recipient   string // calendar address outside the server
	Method      string // REQUEST, REPLY, CANCEL…
	UID         string
	Data        []byte // the iCalendar message
	// BodyID names the stored copy of Data: messages queued together by
	// QueueMail share it (and, when read together, one Data slice), and
	// the outbox worker mails them in one SMTP transaction.
	BodyID    int64
	Status    string // MessagePending, MessageSent or MessageFailed
	Attempts  int    // tries so far, the one under way included
	LastError string
	CreatedAt time.Time
	// Set by MailQueue's methods only (zero when read by OutboundMessages):
	NextAttemptAt time.Time // zero: due at once
	LastAttemptAt time.Time
	ClaimedUntil  time.Time // the lease of the worker trying it; zero when free
	ClaimToken    string    // names that lease
}
