package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/internal/teststores"
)

// fixture is a service on a fresh store with user alice and her home.
type fixture struct {
	t     *testing.T
	store backend.Store
	svc   *calendar.Service
	alice *backend.Principal
}

func newFixture(t *testing.T, open teststores.Opener) *fixture {
	t.Helper()
	s := open(t)
	f := &fixture{t: t, store: s, svc: calendar.New(s, calendar.Options{})}
	f.alice = &backend.Principal{Kind: backend.KindUser, Name: "alice", Emails: []string{"alice@example.com"}}
	if err := s.CreatePrincipal(context.Background(), f.alice, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EnsureHome(context.Background(), f.alice); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) calendar(uri string) *backend.Calendar {
	f.t.Helper()
	c, err := f.store.Calendar(context.Background(), f.alice.ID, uri)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) put(c *backend.Calendar, uri, data string) (*calendar.PutResult, error) {
	return f.svc.Put(context.Background(), &calendar.PutRequest{Owner: f.alice, Calendar: c, URI: uri, Data: []byte(data)})
}

// event is a VEVENT starting at start (floating when it has no zone).
func event(uid, start string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//calendar test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + start + "\r\nDURATION:PT1H\r\nSUMMARY:" + uid + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// starts returns the indexed start of each object of c in March 2026.
func (f *fixture) starts(c *backend.Calendar) map[string]time.Time {
	f.t.Helper()
	refs, err := f.store.InstancesInRange(context.Background(), c.ID,
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, r := range refs {
		out[r.URI] = r.Start
	}
	return out
}

// crashingStore lets a transaction re-index a number of objects, then fails
// it as a crash of the server would: what it wrote must not remain.
type crashingStore struct {
	backend.Store
	after int
}

var errCrash = errors.New("the server stopped in the middle of the transaction")

func (s *crashingStore) Update(ctx context.Context, fn func(tx backend.TxStore) error) error {
	return s.Store.Update(ctx, func(tx backend.TxStore) error {
		return fn(&crashingTx{TxStore: tx, left: s.after})
	})
}

type crashingTx struct {
	backend.TxStore
	left int
}

func (tx *crashingTx) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	if tx.left == 0 {
		return errCrash
	}
	tx.left--
	return tx.TxStore.ReplaceInstances(ctx, calID, uri, etag, idx, insts)
}

// TestTimezoneChangeIsOneTransaction: a calendar's new calendar-timezone
// and the re-indexed occurrences of its floating events commit together.
// A change that fails half way through the re-index leaves the old zone
// and every old occurrence; one that completes moves them all.
func TestTimezoneChangeIsOneTransaction(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		ctx := context.Background()
		c := f.calendar("calendar")
		for i := range 3 {
			if _, err := f.put(c, fmt.Sprintf("e%d.ics", i), event(fmt.Sprintf("e%d", i), fmt.Sprintf("2026030%dT100000", i+2))); err != nil {
				t.Fatal(err)
			}
		}
		c = f.calendar("calendar")
		before := f.starts(c)
		if len(before) != 3 || before["e0.ics"] != time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) {
			t.Fatalf("floating events not indexed in UTC: %v", before)
		}
		berlin := ical.VCalendarTimezone(mustZone(t, "Europe/Berlin"), "Europe/Berlin")
		crashing := calendar.New(&crashingStore{Store: f.store, after: 2}, calendar.Options{})
		if _, err := crashing.UpdateCalendar(ctx, c, &backend.CalendarUpdate{Timezone: &berlin}); !errors.Is(err, errCrash) {
			t.Fatalf("the crashing update returned %v", err)
		}
		if got := f.calendar("calendar"); got.Timezone != "" || got.Revision != c.Revision {
			t.Errorf("a failed re-index left the zone %q (revision %d → %d)", got.Timezone, c.Revision, got.Revision)
		}
		if after := f.starts(c); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a failed re-index left occurrences moved:\n%v\nwere\n%v", after, before)
		}
		updated, err := f.svc.UpdateCalendar(ctx, c, &backend.CalendarUpdate{Timezone: &berlin})
		if err != nil {
			t.Fatal(err)
		}
		if updated.Timezone != berlin {
			t.Errorf("zone not set: %q", updated.Timezone)
		}
		for uri, start := range f.starts(c) {
			if want := before[uri].Add(-time.Hour); !start.Equal(want) {
				t.Errorf("%s starts at %v after the change, want %v (10:00 in Berlin)", uri, start, want)
			}
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestPutRefusals: the service refuses what RFC 4791 §5.3.2.1 forbids with
// a typed error a front door can map, and stores nothing.
func TestPutRefusals(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		c := f.calendar("calendar")
		if _, err := f.put(c, "a.ics", event("a", "20260302T100000Z")); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			cal  *backend.Calendar
			uri  string
			data string
			code calendar.Code
		}{
			{"not iCalendar", c, "x.ics", "hello", calendar.InvalidData},
			{"two UIDs", c, "x.ics", strings.Replace(event("x", "20260302T100000Z"), "END:VCALENDAR",
				"BEGIN:VEVENT\r\nUID:y\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR", 1),
				calendar.InvalidObject},
			{"a task in an event calendar", c, "x.ics", strings.ReplaceAll(event("x", "20260302T100000Z"), "VEVENT", "VTODO"),
				calendar.UnsupportedComponent},
			// An endless SECONDLY rule is stored with a bounded index
			// (TestLongSeriesAccepted); a COUNT of seconds since 1900 cannot
			// be expanded to the index window within the budget.
			{"a rule beyond the expansion budget", c, "x.ics", strings.Replace(strings.Replace(event("x", "20260302T100000Z"),
				"DTSTART:20260302T100000Z", "DTSTART:19000101T000000Z", 1), "DURATION",
				"RRULE:FREQ=MINUTELY;BYSECOND=0,30;COUNT=1000000000\r\nDURATION", 1), calendar.TooManyInstances},
			{"too large", c, "x.ics", strings.Replace(event("x", "20260302T100000Z"), "SUMMARY:x", "SUMMARY:"+strings.Repeat("x", 2<<20), 1),
				calendar.TooLarge},
			{"the inbox", f.calendar("inbox"), "x.ics", event("x", "20260302T100000Z"), calendar.NotCalendar},
			{"the UID of another resource", c, "other.ics", event("a", "20260303T100000Z"), calendar.UIDConflict},
		} {
			_, err := f.put(tc.cal, tc.uri, tc.data)
			var ce *calendar.Error
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.code)
				continue
			}
			if tc.code == calendar.UIDConflict && (ce.Where == nil || ce.Where.URI != "a.ics" || ce.Where.Owner.ID != f.alice.ID) {
				t.Errorf("%s: the conflict names %+v, want a.ics of alice", tc.name, ce.Where)
			}
		}
		objs, err := f.store.ListObjects(context.Background(), c.ID, nil)
		if err != nil || len(objs) != 1 {
			t.Errorf("refused writes left %d objects (%v)", len(objs), err)
		}
	})
}
