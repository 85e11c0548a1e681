package imip

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/scheduling"
)

// Options configures a Worker. Zero values take the defaults named.
type Options struct {
	SMTP   *SMTP
	Sender Sender
	// Batch is how many messages one claim takes (10): the memory a
	// worker holds is one batch, whatever the length of the queue.
	Batch int
	// SendTimeout bounds one message's whole SMTP exchange (1 min).
	SendTimeout time.Duration
	// Lease is how long claimed messages are the worker's (Batch ×
	// SendTimeout + 1 min, 11 min): long enough to try the whole batch,
	// after which the messages of a worker that died go to the others.
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
		opts.Batch = 10
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Duration(opts.Batch)*opts.SendTimeout + time.Minute
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

// RunOnce claims one batch of due messages and tries each, returning how
// many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	msgs, err := w.q.ClaimMessages(ctx, w.opts.Now(), w.opts.Lease, w.opts.Batch)
	if err != nil {
		return 0, err
	}
	for i, m := range msgs {
		// Stop when shutting down, or when the lease would end before
		// this send could: another worker may take the message then.
		if ctx.Err() != nil || w.opts.Now().Add(w.opts.SendTimeout).After(m.ClaimedUntil) {
			return len(msgs), w.release(ctx, msgs[i:])
		}
		if err := w.process(ctx, m); err != nil {
			return len(msgs), errors.Join(err, w.release(ctx, msgs[i+1:]))
		}
	}
	return len(msgs), nil
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

// process tries one message and records the outcome. A store error is
// returned; the message stays claimed until its lease ends.
func (w *Worker) process(ctx context.Context, m *backend.OutboundMessage) error {
	log := w.opts.Logger.With("message", m.ID, "method", m.Method, "recipient", m.Recipient, "attempt", m.Attempts)
	err := w.send(ctx, m)
	if err != nil && ctx.Err() != nil {
		// Stopped mid-send: whether the relay took it is unknown, so
		// nothing is recorded and the lease decides (at least once).
		log.InfoContext(ctx, "imip: send interrupted by shutdown; it is tried again when its lease ends")
		return nil
	}
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

// send builds and mails one message.
func (w *Worker) send(ctx context.Context, m *backend.OutboundMessage) error {
	msg, err := Build(m, w.opts.Sender, w.opts.Now())
	if err != nil {
		return &buildError{err}
	}
	sctx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	defer cancel()
	return w.opts.SMTP.Send(sctx, w.opts.Sender.From.Address, address(m.Recipient), msg)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
