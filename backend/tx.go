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
	PutObject(ctx context.Context, req *PutObjectRequest) (*PutObjectResult, error)
	// PutObjects is PutObject of several objects, in order, in one call:
	// the same checks, results and errors. The first failure fails the
	// call and leaves nothing of it written (the transaction remains
	// usable). A store may send the writes together: a scheduling write
	// of a dozen copies and inbox messages then costs a few round trips,
	// not a few per object.
	PutObjects(ctx context.Context, reqs []*PutObjectRequest) ([]*PutObjectResult, error)
	DeleteObject(ctx context.Context, calendarID int64, uri, ifMatch string) (int64, error)
	Object(ctx context.Context, calendarID int64, uri string) (*Object, error)
	ObjectByUID(ctx context.Context, calendarID int64, uid string) (*Object, error)
	// ObjectsByUID returns, with their data, the objects of that UID in all
	// the principal's calendar collections (not its inbox): one query where
	// scheduling would otherwise ask each calendar in turn.
	ObjectsByUID(ctx context.Context, principalID int64, uid string) ([]*Object, error)
	// ObjectsByUIDOf is ObjectsByUID for several principals at once,
	// ordered by collection id: one query for all the recipients of a
	// meeting.
	ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*Object, error)
	Calendar(ctx context.Context, principalID int64, uri string) (*Calendar, error)
	ListCalendars(ctx context.Context, principalID int64) ([]*Calendar, error)
	// CalendarsOf returns the collections of several principals at once,
	// ordered by principal id and URI.
	CalendarsOf(ctx context.Context, principalIDs []int64) ([]*Calendar, error)
	InstancesInRange(ctx context.Context, calendarID int64, start, end time.Time) ([]InstanceRef, error)
	// LockPrincipal makes decisions about a principal's time (a room's
	// bookings) one at a time until the transaction ends, across server
	// processes: two invitations of one room cannot both see it free.
	LockPrincipal(ctx context.Context, principalID int64) error
	// QueueMessage records an iTIP message for a recipient outside the
	// server, to be mailed (iMIP) after commit.
	QueueMessage(ctx context.Context, m *OutboundMessage) error
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
	Status      string // MessagePending, MessageSent or MessageFailed
	Attempts    int    // tries so far, the one under way included
	LastError   string
	CreatedAt   time.Time
	// Set by MailQueue's methods only (zero when read by OutboundMessages):
	NextAttemptAt time.Time // zero: due at once
	LastAttemptAt time.Time
	ClaimedUntil  time.Time // the lease of the worker trying it; zero when free
	ClaimToken    string    // names that lease
}
