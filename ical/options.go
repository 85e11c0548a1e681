package ical

import (
	"time"

	goical "github.com/emersion/go-ical"
)

// MaxTime stands for "no end": the LastEnd of an unbounded series.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Defaults for Options fields left zero.
const (
	DefaultMaxInstances = 10000
	DefaultDeadline     = 2 * time.Second
)

// Options bounds and parameterises expansion.
type Options struct {
	// MaxInstances caps the occurrences one expansion returns (0 means
	// DefaultMaxInstances).
	MaxInstances int
	// MaxIterations caps the candidate dates one expansion may consider,
	// so hostile rules never hang or exhaust memory (0 means the larger
	// of 100 × MaxInstances and a million). Exceeding it is an *Error
	// with CondMaxInstances.
	MaxIterations int
	// Floating is the zone for floating times and DATE values; RFC 4791
	// §9.9 says to use the calendar collection's calendar-timezone.
	// nil means UTC.
	Floating *time.Location
	// Deadline is the wall-time budget of one expansion (0 means
	// DefaultDeadline). Exceeding it is an *Error with CondMaxInstances.
	Deadline time.Duration
}

func (o Options) norm() Options {
	if o.MaxInstances <= 0 {
		o.MaxInstances = DefaultMaxInstances
	}
	if o.Floating == nil {
		o.Floating = time.UTC
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = max(100*o.MaxInstances, 1000000)
	}
	return o
}

// ctx carries what one operation on one calendar needs: options, the
// deadline and the TZIDs resolved so far (each TZID is resolved once).
type ctx struct {
	cal      *goical.Calendar
	opts     Options
	deadline time.Time
	zones    map[string]*time.Location
	tzids    []string // TZIDs referenced, in first-seen order
	iters    int
}

func newCtx(cal *goical.Calendar, opts Options) *ctx {
	opts = opts.norm()
	return &ctx{cal: cal, opts: opts, deadline: time.Now().Add(opts.Deadline), zones: map[string]*time.Location{}}
}

// loc returns the zone a value is evaluated in. A TZID that cannot be
// resolved at all is treated as floating rather than rejected: clients
// (and the corpus) reference zones without VTIMEZONE, and a wrong offset
// beats losing the event.
func (c *ctx) loc(v timeValue) *time.Location {
	switch {
	case v.utc:
		return time.UTC
	case v.date || v.tzid == "":
		return c.opts.Floating
	}
	l, ok := c.zones[v.tzid]
	if !ok {
		l, _ = ResolveTZID(c.cal, v.tzid)
		c.zones[v.tzid] = l
		c.tzids = append(c.tzids, v.tzid)
	}
	if l == nil {
		return c.opts.Floating
	}
	return l
}

func (c *ctx) abs(v timeValue) time.Time { return wallToAbs(v.wall, c.loc(v)) }

// tick counts one unit of iteration work and reports whether the budget
// (iteration cap or deadline) is exhausted.
func (c *ctx) tick() bool {
	c.iters++
	if c.iters > c.opts.MaxIterations {
		return true
	}
	return c.iters&255 == 0 && time.Now().After(c.deadline)
}

func budgetErr() *Error {
	return &Error{Condition: CondMaxInstances, Reason: "recurrence expansion exceeded its time or iteration budget"}
}
