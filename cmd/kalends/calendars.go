package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/config"
)

// This file holds what import and export share: naming a calendar on the
// command line, finding it, and reading times.

// splitCalendarArg splits OWNER/CALENDAR: a calendar's URL segment after
// its owner, a user, room or resource given as NAME or KIND/NAME (alice,
// room-101, rooms/room-101), as in /dav/calendars/KIND/NAME/CALENDAR/.
func splitCalendarArg(arg string) (owner, cal string, err error) {
	arg = strings.TrimSuffix(arg, "/")
	i := strings.LastIndexByte(arg, '/')
	if i <= 0 || i == len(arg)-1 || strings.Count(arg, "/") > 2 ||
		(strings.Count(arg, "/") == 2 && !isKindWord(arg[:strings.IndexByte(arg, '/')])) {
		return "", "", fmt.Errorf("%q is not USER/CALENDAR (e.g. alice/calendar, room-101/calendar or rooms/room-101/calendar)", arg)
	}
	return arg[:i], arg[i+1:], nil
}

// isKindWord reports whether s names a kind of principal, as the first
// segment of KIND/NAME: user, room, resource, or their plurals as in URLs.
func isKindWord(s string) bool {
	return backend.PrincipalKind(strings.TrimSuffix(s, "s")).Valid()
}

// newService returns the application layer over s, with the object size
// limit the server applies, so that the command line stores only what a
// client could. Its log goes to stderr.
func newService(e *env, s backend.Store) *calendar.Service {
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return calendar.New(s, calendar.Options{Logger: logger, MaxResourceSize: maxResourceSize(e)})
}

// maxResourceSize is the largest calendar object the server accepts
// ($KALENDS_MAX_RESOURCE_SIZE, as serve reads it).
func maxResourceSize(e *env) int64 {
	if v, err := strconv.ParseInt(e.getenv("KALENDS_MAX_RESOURCE_SIZE"), 10, 64); err == nil && v > 0 {
		return v
	}
	return config.Defaults().MaxResourceSize
}

// findOwner returns the user, room or resource that owner (NAME or
// KIND/NAME) names, with the collections the server gives it on first
// contact. An administrator reads and fills a room's calendar as a user's.
func findOwner(ctx context.Context, s backend.Store, svc *calendar.Service, owner string) (*backend.Principal, error) {
	p, err := findPrincipal(ctx, s, owner)
	if err != nil {
		return nil, err
	}
	return p, svc.EnsureHome(ctx, p)
}

// noCalendarError says that USER/CALENDAR does not exist.
type noCalendarError struct{ user, uri string }

func (e *noCalendarError) Error() string { return fmt.Sprintf("no calendar %s/%s", e.user, e.uri) }

// findCalendar returns the calendar collection user/uri; a
// *noCalendarError when there is none.
func findCalendar(ctx context.Context, s backend.Store, p *backend.Principal, uri string) (*backend.Calendar, error) {
	c, err := s.Calendar(ctx, p.ID, uri)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, &noCalendarError{p.Name, uri}
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != backend.CollectionCalendar {
		return nil, fmt.Errorf("%s/%s is a scheduling %s, not a calendar", p.Name, uri, c.Kind)
	}
	return c, nil
}

// timeFlag is a --from/--to value: RFC 3339 (2026-12-01T09:00:00+01:00),
// an iCalendar UTC date-time (20261201T080000Z), or a date (2026-12-01 or
// 20261201), which means midnight in the zone given to resolve.
type timeFlag struct {
	raw string
	t   time.Time
}

func (f *timeFlag) String() string { return f.raw }

func (f *timeFlag) Set(v string) error {
	f.raw = v
	for _, layout := range []string{time.RFC3339, "20060102T150405Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			f.t = t
			return nil
		}
	}
	for _, layout := range []string{time.DateOnly, "20060102"} {
		if _, err := time.Parse(layout, v); err == nil {
			return nil // a date: resolved in its zone later
		}
	}
	return fmt.Errorf("%q is not a time: use RFC 3339 (2026-12-01T09:00:00Z), a date (2026-12-01) or 20261201T090000Z", v)
}

// resolve returns the instant, a date being midnight in loc; zero when the
// flag was not given.
func (f *timeFlag) resolve(loc *time.Location) time.Time {
	if f.raw == "" || !f.t.IsZero() {
		return f.t
	}
	for _, layout := range []string{time.DateOnly, "20060102"} {
		if t, err := time.ParseInLocation(layout, f.raw, loc); err == nil {
			return t
		}
	}
	return time.Time{}
}

// progress is a single status line on a terminal, redrawn at most every
// tenth of a second; it writes nothing when stderr is not a terminal.
type progress struct {
	w    io.Writer
	last time.Time
	on   bool
}

func newProgress(e *env) *progress {
	return &progress{w: e.stderr, on: e.stderrIsTTY}
}

// show redraws the line unless it was drawn very recently.
func (p *progress) show(format string, args ...any) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K"+format, args...)
}

// done clears the line.
func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.last = time.Time{}
	}
}

// megabytes formats a byte count for the progress line.
func megabytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}
