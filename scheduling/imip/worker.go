package imip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/scheduling"
)

// Options configures a Worker. Zero values take the defaults named.
type Options struct {
	SMTP   *SMTP
	Sender Sender
	// Batch is how many messages (one per recipient) one claim takes
	// (100): the memory a worker holds is one batch, whatever the length
	// of the queue; recipients of one message share its text.
	Batch int
	// MaxRecipients is how many recipients of one message share one mail
	// and one SMTP transaction (100, what RFC 5321 §4.5.3.1.8 asks every
	// relay to accept).
	MaxRecipients int
	// SendTimeout bounds one mail's whole SMTP exchange (1 min).
	SendTimeout time.Duration
	// Lease is how long claimed messages are the worker's (SendTimeout
	// times Batch, at most 10, + 1 min: 11 min), after which the messages
	// of a worker that died go to the others. A batch is mostly a few
	// mails to many recipients; the messages a lease cannot cover are
	// given back untried (RunOnce).
	Lease time.Duration
	// Poll is the wait between claims when the queue had nothing due (15 s).
	Poll time.Duration
	// Retries is the backoff schedule (DefaultRetries).
	Retries []time.Duration
	// MaxInstances bounds the re-expansion of a copy whose SCHEDULE-STATUS
	// changes (ical.DefaultMaxInstances), as the CalDAV handler's does.
	MaxInstances int
	// Now is the clock (time.Now); tests drive time through it.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker mails the queued iTIP messages of a store. Several workers, in
// one process or many, may share a queue.
type Worker struct {
	q    backend.MailQueue
	opts Options
}

// New returns a worker on q.
func New(q backend.MailQueue, opts Options) *Worker {
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.MaxRecipients <= 0 {
		opts.MaxRecipients = 100
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Duration(min(opts.Batch, 10))*opts.SendTimeout + time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 15 * time.Second
	}
	if opts.Retries == nil {
		opts.Retries = DefaultRetries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{q: q, opts: opts}
}

// Run works off the queue until ctx ends: a full batch is followed by the
// next at once, anything less by a pause of Poll. A send under way when
// ctx ends is abandoned (its lease expires and a worker tries it again);
// messages claimed but not tried yet are released.
func (w *Worker) Run(ctx context.Context) {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.opts.Logger.ErrorContext(ctx, "imip: working off the mail queue", "error", err)
		}
		if n == w.opts.Batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.opts.Poll):
		}
	}
}

// RunOnce claims one batch of due messages and tries them, the
// recipients of one message together (mails), returning how many it
// claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	msgs, err := w.q.ClaimMessages(ctx, w.opts.Now(), w.opts.Lease, w.opts.Batch)
	if err != nil {
		return 0, err
	}
	groups := mails(msgs, w.opts.MaxRecipients)
	for i, g := range groups {
		// Stop when shutting down, or when the lease would end before
		// this send could: another worker may take the messages then.
		if ctx.Err() != nil || w.opts.Now().Add(w.opts.SendTimeout).After(g[0].ClaimedUntil) {
			return len(msgs), w.release(ctx, slices.Concat(groups[i:]...))
		}
		if err := w.process(ctx, g); err != nil {
			return len(msgs), errors.Join(err, w.release(ctx, slices.Concat(groups[i+1:]...)))
		}
	}
	return len(msgs), nil
}

// mails groups claimed messages into mails: the recipients of one queued
// text (BodyID) together, at most max in each, in the order claimed.
func mails(msgs []*backend.OutboundMessage, max int) [][]*backend.OutboundMessage {
	var out [][]*backend.OutboundMessage
	open := map[int64]int{} // BodyID → index in out of its group being filled
	for _, m := range msgs {
		i, ok := open[m.BodyID]
		if !ok || len(out[i]) >= max {
			i = len(out)
			out = append(out, nil)
			open[m.BodyID] = i
		}
		out[i] = append(out[i], m)
	}
	return out
}

// release gives back untried messages, even while ctx is ending.
func (w *Worker) release(ctx context.Context, msgs []*backend.OutboundMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return w.q.ReleaseMessages(rctx, msgs[0].ClaimToken, ids)
}

// process mails one message to the recipients of g in one SMTP
// transaction and records each recipient's outcome. A store error is
// returned; the messages not recorded stay claimed until their lease ends.
func (w *Worker) process(ctx context.Context, g []*backend.OutboundMessage) error {
	errs := w.send(ctx, g)
	if ctx.Err() != nil && slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		// Stopped mid-send: whether the relay took it is unknown, so
		// nothing is recorded and the lease decides (at least once).
		w.opts.Logger.InfoContext(ctx, "imip: send interrupted by shutdown; it is tried again when its lease ends",
			"message", g[0].ID, "recipients", len(g))
		return nil
	}
	var failed []error
	for i, m := range g {
		if err := w.record(ctx, m, errs[i]); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// record writes the outcome err (nil: sent) of the attempt on m.
func (w *Worker) record(ctx context.Context, m *backend.OutboundMessage, err error) error {
	log := w.opts.Logger.With("message", m.ID, "method", m.Method, "recipient", m.Recipient, "attempt", m.Attempts)
	a := &backend.Attempt{ID: m.ID, ClaimToken: m.ClaimToken, At: w.opts.Now()}
	status := ""
	switch {
	case err == nil:
		a.Status, status = backend.MessageSent, scheduling.StatusSent
		log.InfoContext(ctx, "imip: mail sent")
	case Permanent(err):
		a.Status, status = backend.MessageFailed, scheduling.StatusFailed
		log.WarnContext(ctx, "imip: mail refused, not tried again", "error", err)
	default:
		if wait, ok := nextAttempt(w.opts.Retries, m.Attempts); ok {
			a.Status, a.NextAttemptAt = backend.MessagePending, a.At.Add(wait)
			log.WarnContext(ctx, "imip: mail not sent, tried again later", "error", err, "next", a.NextAttemptAt)
		} else {
			a.Status, status = backend.MessageFailed, scheduling.StatusFailed
			log.WarnContext(ctx, "imip: mail not sent, giving up", "error", err)
		}
	}
	if err != nil {
		a.Error = truncate(err.Error(), 500)
	}
	var report func(backend.TxStore) error
	if status != "" {
		report = func(tx backend.TxStore) error { return w.report(ctx, tx, m, status) }
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err = w.q.FinishAttempt(dctx, a, report)
	if errors.Is(err, backend.ErrPreconditionFailed) {
		log.WarnContext(ctx, "imip: the lease ended before the attempt was recorded; another worker has the message")
		return nil
	}
	return err
}

// send builds the mail of g's message to its recipients and hands it to
// the relay, returning each recipient's outcome. A recipient whose
// address is not a mail address fails alone; a message that cannot be
// built fails for all.
func (w *Worker) send(ctx context.Context, g []*backend.OutboundMessage) []error {
	errs := make([]error, len(g))
	var to []string
	var idx []int
	for i, m := range g {
		if _, err := mail.ParseAddress(address(m.Recipient)); err != nil {
			errs[i] = &buildError{fmt.Errorf("imip: recipient %q is not a mail address: %w", m.Recipient, err)}
			continue
		}
		to, idx = append(to, address(m.Recipient)), append(idx, i)
	}
	if len(to) == 0 {
		return errs
	}
	rcpts := make([]string, len(idx))
	for j, i := range idx {
		rcpts[j] = g[i].Recipient
	}
	msg, err := BuildTo(g[idx[0]], rcpts, w.opts.Sender, w.opts.Now())
	if err != nil {
		for _, i := range idx {
			errs[i] = &buildError{err}
		}
		return errs
	}
	sctx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	defer cancel()
	for j, err := range w.opts.SMTP.SendAll(sctx, w.opts.Sender.From.Address, to, msg) {
		errs[idx[j]] = err
	}
	return errs
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
