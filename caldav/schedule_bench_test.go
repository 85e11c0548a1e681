package caldav

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/internal/testenv"
)

// Benchmarks of the two scheduling requests of the load tool's phases, on
// both stores: an invitation of 10 local users and a room (implicit
// scheduling, RFC 6638 §3.2) and an outbox free-busy POST about 20
// principals (RFC 6638 §5). Besides time and allocations each reports
// store calls per request (calls/op), the steady measure of database
// round trips that wall-clock figures on a shared machine are not:
//
//	go test -run '^$' -bench 'Invite|FreeBusyPost' -benchtime 200x ./caldav

// benchStores opens a fresh store of each kind; PostgreSQL is skipped
// when none is reachable (testenv.PostgresDB).
var benchStores = []struct {
	name string
	open func(tb testing.TB) backend.Store
}{
	{"sqlite", func(tb testing.TB) backend.Store {
		s, err := sqlite.Open(context.Background(), testenv.SQLitePath(tb))
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}},
	{"postgres", func(tb testing.TB) backend.Store {
		s, err := postgres.Open(context.Background(), testenv.PostgresDB(tb))
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}},
}

// schedBench is a handler on a counted store with an organizer (org), 30
// users (att01 … att30) and 4 rooms (room01 … room04, capacity 20), as
// the load tool sets up.
type schedBench struct {
	tb    testing.TB
	store *callCounter
	h     http.Handler
	base  time.Time    // start of the month asked about, and of the first invitation
	slot  atomic.Int64 // numbers the invitations' slots
	rng   *rand.Rand
}

func newSchedBench(tb testing.TB, open func(testing.TB) backend.Store) *schedBench {
	tb.Helper()
	ctx := context.Background()
	inner := open(tb)
	tb.Cleanup(func() { inner.Close() })
	hash, _ := backend.HashPassword("pw-org")
	add := func(kind backend.PrincipalKind, name, hash string, capacity int) {
		p := &backend.Principal{Kind: kind, Name: name, Emails: []string{name + "@example.com"}, Capacity: capacity}
		if err := inner.CreatePrincipal(ctx, p, hash); err != nil {
			tb.Fatal(err)
		}
	}
	add(backend.KindUser, "org", hash, 0)
	for i := 1; i <= 30; i++ {
		add(backend.KindUser, fmt.Sprintf("att%02d", i), "", 0)
	}
	for i := 1; i <= 4; i++ {
		add(backend.KindRoom, fmt.Sprintf("room%02d", i), "", 20)
	}
	store := &callCounter{Store: inner}
	sb := &schedBench{tb: tb, store: store, rng: rand.New(rand.NewPCG(1, 2)),
		h:    newHandler(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}),
		base: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -15)}
	sb.do(http.MethodPut, "/dav/calendars/users/org/calendar/warm-up.ics", sbEvent("warm-up", sb.base, "org", 0), http.StatusCreated)
	return sb
}

// do sends one request as org to the handler and fails unless the status is want.
func (sb *schedBench) do(method, path string, body []byte, want int, hdr ...string) []byte {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.SetBasicAuth("org", "pw-org")
	req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	sb.h.ServeHTTP(rec, req)
	if rec.Code != want {
		sb.tb.Fatalf("%s %s: %d, want %d: %.500s", method, path, rec.Code, want, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// invite stores a new meeting of org with 10 users at random and a room at
// a slot of its own, so that the room accepts.
func (sb *schedBench) invite() { sb.inviteWith(sb.rng) }

// inviteWith is invite with a random source of the caller's.
func (sb *schedBench) inviteWith(rng *rand.Rand) { sb.inviteOf(rng, 10) }

// inviteOf is invite with n users.
func (sb *schedBench) inviteOf(rng *rand.Rand, n int) {
	k := int(sb.slot.Add(1) - 1)
	start := sb.base.Add(time.Duration(k/4) * time.Hour)
	uid := fmt.Sprintf("invite-%06d", k)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//bench//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + start.Format("20060102T150405Z") + "\r\nDURATION:PT45M\r\n" +
		"SUMMARY:Planning\r\nDESCRIPTION:" + strings.Repeat("Agenda item, owner and notes. ", 15) + "\r\n" +
		"ORGANIZER;CN=Org:mailto:org@example.com\r\n" +
		"ATTENDEE;CN=Org;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:org@example.com\r\n")
	for _, i := range rng.Perm(30)[:n] {
		fmt.Fprintf(&b, "ATTENDEE;CN=Attendee %02d;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:att%02d@example.com\r\n", i+1, i+1)
	}
	fmt.Fprintf(&b, "ATTENDEE;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:room%02d@example.com\r\n", 1+k%4)
	b.WriteString("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n")
	sb.do(http.MethodPut, "/dav/calendars/users/org/calendar/"+uid+".ics", []byte(b.String()), http.StatusCreated,
		"If-None-Match", "*")
}

// sbEvent is an event of owner: a single hour, or a weekly series of 10
// when weekly is set, from start.
func sbEvent(uid string, start time.Time, owner string, weekly int) []byte {
	rrule := ""
	if weekly > 0 {
		rrule = fmt.Sprintf("RRULE:FREQ=WEEKLY;COUNT=%d\r\n", weekly)
	}
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//bench//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:" + start.Format("20060102T150405Z") + "\r\nDURATION:PT1H\r\n" + rrule +
		"SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// BenchmarkInvite is one invitation of 10 users and a room per operation.
func BenchmarkInvite(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			sb := newSchedBench(b, st.open)
			sb.invite() // the attendees' homes are provisioned by the first
			b.ReportAllocs()
			b.ResetTimer()
			calls := sb.store.calls.Load()
			for range b.N {
				sb.invite()
			}
			b.ReportMetric(float64(sb.store.calls.Load()-calls)/float64(b.N), "calls/op")
		})
	}
}

// BenchmarkInviteParallel is BenchmarkInvite by 8 clients at once, as the
// load tool's invite phase runs: all invitations are org's, so they
// contend for org's collections and for the 4 rooms.
func BenchmarkInviteParallel(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			sb := newSchedBench(b, st.open)
			sb.invite()
			b.ReportAllocs()
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			calls := sb.store.calls.Load()
			var seed atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seed.Add(1), 7))
				for pb.Next() {
					sb.inviteWith(rng)
				}
			})
			b.ReportMetric(float64(sb.store.calls.Load()-calls)/float64(b.N), "calls/op")
		})
	}
}

// fillBusy gives org n events and each of users users m events of their
// own, a fifth of them weekly series, over a year either side of base,
// and books the rooms with 40 invitations.
func (sb *schedBench) fillBusy(n, users, m int) {
	sb.fillCalendar("org", n)
	for u := 1; u <= users; u++ {
		sb.fillCalendar(fmt.Sprintf("att%02d", u), m)
	}
	for range 40 {
		sb.invite()
	}
}

// fillCalendar stores n events of the user in their calendar "calendar",
// a fifth of them weekly series of 10, over a year either side of the
// benchmark's month, straight into the store (as a PUT would index them).
func (sb *schedBench) fillCalendar(name string, n int) {
	ctx := context.Background()
	p := sb.principal(name)
	if err := sb.h.(*Handler).svc.EnsureHome(ctx, p); err != nil {
		sb.tb.Fatal(err)
	}
	c, err := sb.store.Calendar(ctx, p.ID, "calendar")
	if err != nil {
		sb.tb.Fatal(err)
	}
	for i := range n {
		start := sb.base.Add(time.Duration(sb.rng.IntN(2*365*24)-365*24) * time.Hour)
		uid := fmt.Sprintf("%s-%05d", name, i)
		obj, _, err := sb.h.(*Handler).svc.Prepare(c, uid+".ics", sbEvent(uid, start, name, 10*(i%5/4)))
		if err != nil {
			sb.tb.Fatal(err)
		}
		if _, err := sb.store.PutObject(ctx, &backend.PutObjectRequest{CalendarID: c.ID, Object: obj}); err != nil {
			sb.tb.Fatal(err)
		}
	}
}

func (sb *schedBench) principal(name string) *backend.Principal {
	p, err := sb.store.Principal(context.Background(), backend.KindUser, name)
	if err != nil {
		sb.tb.Fatal(err)
	}
	return p
}

// BenchmarkFreeBusyPost is one outbox free-busy POST about org, 15 users
// and the 4 rooms over a month per operation.
func BenchmarkFreeBusyPost(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			sb := newSchedBench(b, st.open)
			sb.fillBusy(fbOrgEvents, 15, 100)
			post := freeBusyPost(sb.base, 15)
			out := sb.do(http.MethodPost, "/dav/calendars/users/org/outbox/", post, http.StatusOK)
			if n := strings.Count(string(out), "2.0;Success"); n != 20 {
				b.Fatalf("%d recipients answered 2.0, want 20: %.500s", n, out)
			}
			b.ReportAllocs()
			b.ResetTimer()
			calls := sb.store.calls.Load()
			for range b.N {
				sb.do(http.MethodPost, "/dav/calendars/users/org/outbox/", post, http.StatusOK)
			}
			b.ReportMetric(float64(sb.store.calls.Load()-calls)/float64(b.N), "calls/op")
		})
	}
}

// fbOrgEvents is the size of org's calendar in BenchmarkFreeBusyPost;
// 20000 is the load tool's (its setup then takes minutes).
var fbOrgEvents = 2000

// freeBusyPost is org's free-busy request about org, users att01 … and
// the 4 rooms over the month from base.
func freeBusyPost(base time.Time, users int) []byte {
	var body strings.Builder
	body.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//bench//EN\r\nMETHOD:REQUEST\r\n" +
		"BEGIN:VFREEBUSY\r\nUID:fb-1\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:" + base.Format("20060102T150405Z") + "\r\nDTEND:" + base.AddDate(0, 1, 0).Format("20060102T150405Z") +
		"\r\nORGANIZER:mailto:org@example.com\r\nATTENDEE:mailto:org@example.com\r\n")
	for i := 1; i <= users; i++ {
		fmt.Fprintf(&body, "ATTENDEE:mailto:att%02d@example.com\r\n", i)
	}
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&body, "ATTENDEE:mailto:room%02d@example.com\r\n", i)
	}
	body.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return []byte(body.String())
}
