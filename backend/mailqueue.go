package backend

import (
	"context"
	"time"
)

// The states of an OutboundMessage.
const (
	MessagePending = "pending" // waiting for its first or next attempt
	MessageSent    = "sent"    // accepted by the SMTP server
	MessageFailed  = "failed"  // given up: the failure was reported to the sender
)

// MailQueue is the outbox of iTIP mail queued by TxStore.QueueMessage,
// which can be worked off by several outbox workers at once, in
// one or several server processes: a worker claims due messages with a
// lease, tries them, and records each outcome. A message claimed by one
// worker is not handed to another until its lease expires, so a message
// is never sent twice at the same time; a worker that dies mid-send
// leaves it to be claimed again once the lease is over (at-least-once).
type MailQueue interface {
	// OutboundMessages lists the queued mail of a sender, oldest first.
	OutboundMessages(ctx context.Context, principalID int64) ([]*OutboundMessage, error)
	// ClaimMessages leases up to limit pending messages that are due at
	// now (never tried, or their next attempt time has come) and not
	// under another worker's lease, oldest first, until now+lease. Each
	// claimed message has its Attempts counted up (this attempt included)
	// and carries ClaimToken, which the worker hands back with its
	// outcome. Two concurrent calls never return the same message.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*OutboundMessage, error)
	// FinishAttempt records the outcome of an attempt on a claimed
	// message and ends its lease, then runs fn (may be nil) in the same
	// transaction: the report of a final failure to the sender's
	// calendar commits together with the failure, or neither does.
	// ErrPreconditionFailed when the claim is no longer the caller's
	// (the lease expired and another worker claimed the message), in
	// which case nothing is written.
	FinishAttempt(ctx context.Context, a *Attempt, fn func(tx TxStore) error) error
	// ReleaseMessages gives back claimed messages that were not tried
	// (a worker shutting down): their lease ends and their attempt is
	// not counted. Messages no longer under that claim are left alone.
	ReleaseMessages(ctx context.Context, token string, ids []int64) error
	// ListMessages lists queued messages of one status ("" = all), by
	// ascending id, after id afterID, at most limit of them (0 = all),
	// with their data.
	ListMessages(ctx context.Context, status string, afterID int64, limit int) ([]*OutboundMessage, error)
	// RetryMessage makes a failed or pending message due at once with a
	// fresh count of attempts (an administrator's retry). ErrNotFound if
	// there is no such message, ErrPreconditionFailed if it was sent.
	RetryMessage(ctx context.Context, id int64) error
}

// Attempt is the outcome of one try to mail a claimed message.
type Attempt struct {
	ID         int64
	ClaimToken string    // as returned by ClaimMessages
	At         time.Time // when the attempt was made
	// Status is MessageSent, MessageFailed, or MessagePending for a
	// temporary failure to be tried again at NextAttemptAt.
	Status        string
	NextAttemptAt time.Time
	Error         string // the failure, "" when sent
}

// BodyIDs lists the distinct BodyIDs of msgs, for a store to read the
// shared texts once each (SetBodies).
func BodyIDs(msgs []*OutboundMessage) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for _, m := range msgs {
		if !seen[m.BodyID] {
			seen[m.BodyID] = true
			ids = append(ids, m.BodyID)
		}
	}
	return ids
}

// SetBodies gives each message the text of its BodyID: messages queued
// together share one slice, so reading a batch of them holds each text
// once.
func SetBodies(msgs []*OutboundMessage, bodies map[int64][]byte) {
	for _, m := range msgs {
		m.Data = bodies[m.BodyID]
	}
}
