// Package calendar is Kalends' application layer: the operations every
// front door (CalDAV, the command line, CalDAV import, and later the JSON
// API, the web page and inbound mail) asks for, with no HTTP in them. It
// validates and indexes calendar objects, writes them with implicit
// scheduling and room booking (RFC 6638) in one store transaction, queues
// the mail for people outside the server, provisions homes, changes
// calendars, imports, exports and renders feeds. A front door parses its
// input, calls a Service, and maps the typed errors (errors.go) to its own
// answers.
package calendar

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Options configure a Service. Zero values take the defaults named.
type Options struct {
	Logger *slog.Logger
	// MaxResourceSize is the largest calendar object accepted, in bytes
	// (1 MiB; CALDAV:max-resource-size).
	MaxResourceSize int64
	// MaxInstances is the most occurrences one object may have (10,000;
	// CALDAV:max-instances).
	MaxInstances int
	// MaxAttendees is the most ATTENDEE properties one instance of an
	// object may have (1,000; CALDAV:max-attendees-per-instance).
	MaxAttendees int
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Service holds the store and the limits every operation applies.
type Service struct {
	store       backend.Store
	logger      *slog.Logger
	opts        Options
	provisioned sync.Map // principal id → true once its home exists
}

// New returns a Service on store.
func New(store backend.Store, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxResourceSize <= 0 {
		opts.MaxResourceSize = 1 << 20
	}
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = ical.DefaultMaxInstances
	}
	if opts.MaxAttendees <= 0 {
		opts.MaxAttendees = DefaultMaxAttendees
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, logger: opts.Logger, opts: opts}
}

// Store is the store the service writes to; front doors read through it.
func (s *Service) Store() backend.Store { return s.store }

// MaxResourceSize is the largest calendar object accepted, in bytes.
func (s *Service) MaxResourceSize() int64 { return s.opts.MaxResourceSize }

// MaxInstances is the most occurrences one object may have.
func (s *Service) MaxInstances() int { return s.opts.MaxInstances }

// MaxAttendees is the most ATTENDEE properties one instance may have.
func (s *Service) MaxAttendees() int { return s.opts.MaxAttendees }

// FloatingZone is the zone floating times of a calendar are evaluated in:
// its calendar-timezone (RFC 4791 §9.9), else UTC.
func FloatingZone(c *backend.Calendar) *time.Location {
	if c == nil {
		return time.UTC
	}
	return ical.CalendarTimezoneLocation(c.Timezone)
}

// ExpandOptions are the recurrence bounds of calendar c.
func (s *Service) ExpandOptions(c *backend.Calendar) ical.Options {
	return ical.Options{MaxInstances: s.opts.MaxInstances, Floating: FloatingZone(c)}
}

// EnsureHome creates a principal's default collections the first time it
// is seen: an events calendar and a tasks calendar, separate as Apple
// Calendar Server does (iOS shows mixed calendars badly), plus the
// scheduling inbox and outbox. Every door calls it before acting for a
// principal, so an import or export for a user who has not connected yet
// sees the calendars a client would.
func (s *Service) EnsureHome(ctx context.Context, p *backend.Principal) error {
	if p == nil {
		return nil
	}
	if _, ok := s.provisioned.Load(p.ID); ok {
		return nil
	}
	if _, err := s.store.ProvisionHome(ctx, p.ID, DefaultCollections()); err != nil {
		return err
	}
	s.provisioned.Store(p.ID, true)
	return nil
}

// DefaultCollections are the collections of a new home.
func DefaultCollections() []*backend.Calendar {
	return []*backend.Calendar{
		{URI: DefaultCalendar, Kind: backend.CollectionCalendar, DisplayName: "Calendar", Components: []string{"VEVENT"}},
		{URI: "tasks", Kind: backend.CollectionCalendar, DisplayName: "Tasks", Components: []string{"VTODO"}},
		{URI: Inbox, Kind: backend.CollectionInbox, DisplayName: "Inbox"},
		{URI: "outbox", Kind: backend.CollectionOutbox, DisplayName: "Outbox"},
	}
}

// Names of the collections of a home that scheduling relies on.
const (
	// DefaultCalendar receives new invitations (the
	// schedule-default-calendar, RFC 6638 §9.2).
	DefaultCalendar = "calendar"
	// Inbox is the scheduling inbox (RFC 6638 §2.2).
	Inbox = "inbox"
)
