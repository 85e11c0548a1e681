package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kalends/kalends/ical"
)

// The principals of the scheduling phases, created at setup with the
// kalends binary: a pool of users to invite and ask about, and rooms that
// book themselves (accept if free).
const (
	poolUsers      = 30 // att01 … att30, att01@example.com …
	benchRooms     = 4  // room01 … room04, room01@example.com …
	roomCapacity   = 20 // more than the 12 attendees of an invitation
	inviteLocals   = 10 // local users invited to each meeting
	freeBusyUsers  = 15 // users of the pool in each free-busy POST, with bench and the rooms: 20
	attPassword    = "kalends-bench-attendee-password"
	invitesCalPath = homePath + "bench-invites/" // the calendar the invite phase stores meetings in
	outboxPath     = homePath + "outbox/"
)

// Names of the scheduling phases.
const (
	inviteName       = "invite, 10 users + room"
	freeBusyPostName = "free-busy POST, 20 principals"
)

func attName(i int) string   { return fmt.Sprintf("att%02d", i) }
func attEmail(i int) string  { return attName(i) + "@example.com" }
func roomName(i int) string  { return fmt.Sprintf("room%02d", i) }
func roomEmail(i int) string { return roomName(i) + "@example.com" }

// scheduling holds the state of the scheduling phases.
type scheduling struct {
	slot atomic.Int64 // numbers the invitations' slots: room slot%R, start base+(slot/R) hours
}

// inviteBase is when the first slot of each room starts: the start of the
// free-busy window, so that the rooms' bookings fill the month the
// free-busy POST asks about.
func (b *bench) inviteBase() time.Time {
	return b.now.Truncate(24*time.Hour).AddDate(0, 0, -15)
}

// invite stores one new meeting of the benchmark user in the invitations
// calendar, as a client does (If-None-Match: *, 201): 10 users of the pool
// at random and a room, at a slot no other invitation takes, so that the
// room accepts. The server delivers it in the same request.
func (b *bench) invite(ctx context.Context, w *worker) (href, room string, s sample, err error) {
	k := b.sched.slot.Add(1) - 1
	r := 1 + int(k%benchRooms)
	start := b.inviteBase().Add(time.Duration(k/benchRooms) * time.Hour)
	var attendees [][2]string
	for _, i := range w.rng.Perm(poolUsers)[:inviteLocals] {
		attendees = append(attendees, [2]string{"Attendee " + attName(i+1), attEmail(i + 1)})
	}
	uid := b.newUID()
	data := genInvite(w.rng, uid, b.now, start, attendees, fmt.Sprintf("Bench Room %d", r), roomEmail(r))
	href = invitesCalPath + uid + ".ics"
	_, d, err := b.c.do(ctx, http.MethodPut, href, data, http.StatusCreated,
		"Content-Type", "text/calendar; charset=utf-8", "If-None-Match", "*")
	return href, roomEmail(r), sample{dur: d, bytes: len(data), items: inviteLocals + 1}, err
}

// inviteOp is one timed invitation.
func (b *bench) inviteOp(ctx context.Context, w *worker) (sample, error) {
	_, _, s, err := b.invite(ctx, w)
	return s, err
}

// checkInvite makes one untimed invitation and reads the organizer's copy
// back: the room must have ACCEPTED and every attendee but the organizer
// carry a SCHEDULE-STATUS, or the server does not schedule implicitly and
// the phase is unsupported.
func (b *bench) checkInvite(ctx context.Context) error {
	w := newWorker(1)
	href, room, _, err := b.invite(ctx, w)
	if err != nil {
		return fmt.Errorf("%w: the first invitation failed: %v", errUnsupported, err)
	}
	data, _, err := b.c.do(ctx, http.MethodGet, href, nil, http.StatusOK)
	if err != nil {
		return fmt.Errorf("%w: reading the organizer's copy back: %v", errUnsupported, err)
	}
	if err := checkOrganizerCopy(string(data), benchUser+"@example.com", room, inviteLocals+1); err != nil {
		return fmt.Errorf("%w: %v", errUnsupported, err)
	}
	return nil
}

// checkOrganizerCopy verifies the organizer's copy of a meeting after
// implicit scheduling: the room's ATTENDEE (address room) says
// PARTSTAT=ACCEPTED, and each of the want attendees other than the
// organizer (address org) has a SCHEDULE-STATUS.
func checkOrganizerCopy(ics, org, room string, want int) error {
	var others, withStatus int
	roomSeen := false
	var bad error
	ical.ParseText([]byte(ics)).Walk(func(c *ical.Comp) bool {
		for _, l := range c.Props() {
			if l.Name() != "ATTENDEE" || strings.EqualFold(l.Value(), "mailto:"+org) {
				continue
			}
			others++
			if l.Param("SCHEDULE-STATUS") != "" {
				withStatus++
			}
			if strings.EqualFold(l.Value(), "mailto:"+room) {
				roomSeen = true
				if !strings.EqualFold(l.Param("PARTSTAT"), "ACCEPTED") && bad == nil {
					bad = fmt.Errorf("the room has not accepted a free slot: %s", l.Text())
				}
			}
		}
		return true
	})
	if bad != nil {
		return bad
	}
	switch {
	case !roomSeen:
		return fmt.Errorf("the organizer's copy lacks the room %s", room)
	case others != want:
		return fmt.Errorf("the organizer's copy has %d attendees besides the organizer, want %d", others, want)
	case withStatus != others:
		return fmt.Errorf("%d of %d attendees carry a SCHEDULE-STATUS", withStatus, others)
	}
	return nil
}

// fillUsers gives the users of the free-busy POST busy time of their own
// before it (untimed): each stores 300-500 events of genEvent's mix over
// a year either side of now, as their organizer, in their own calendar
// (fewer in proportion below 20,000 --objects, so that the small test run
// stays small). The rooms' busy time is the invite phase's bookings.
func (b *bench) fillUsers(ctx context.Context) error {
	type job struct{ user int }
	rng := newWorker(2).rng
	var jobs []job
	for u := 1; u <= freeBusyUsers; u++ {
		n := max(5, (300+rng.IntN(201))*min(b.cfg.Objects, 20000)/20000)
		for range n {
			jobs = append(jobs, job{u})
		}
	}
	fmt.Fprintf(b.stderr, "%s: %d events for %d users' busy time …\n", b.store, len(jobs), freeBusyUsers)
	var (
		next    atomic.Int64
		errOnce sync.Once
		first   error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range b.cfg.Concurrency {
		wg.Go(func() {
			w := newWorker(uint64(100 + i))
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= int64(len(jobs)) {
					return
				}
				u := jobs[k].user
				uid := b.newUID()
				data := genEventBy(w.rng, uid, b.now, 365, "Attendee "+attName(u), attEmail(u))
				href := "/dav/calendars/users/" + attName(u) + "/calendar/" + uid + ".ics"
				if _, _, err := b.c.doAs(ctx, attName(u), attPassword, http.MethodPut, href, data, http.StatusCreated,
					"Content-Type", "text/calendar; charset=utf-8", "If-None-Match", "*"); err != nil {
					errOnce.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("storing the users' events: %w", first)
	}
	return ctx.Err()
}

// freeBusyRecipients are the addresses of the free-busy POST: the
// benchmark user (the full calendar and the invitations), freeBusyUsers
// users of the pool and every room.
func freeBusyRecipients() []string {
	out := []string{benchUser + "@example.com"}
	for i := 1; i <= freeBusyUsers; i++ {
		out = append(out, attEmail(i))
	}
	for i := 1; i <= benchRooms; i++ {
		out = append(out, roomEmail(i))
	}
	return out
}

// freeBusyRequest is a VFREEBUSY REQUEST (RFC 5546 §3.3.2; RFC 6638 §5)
// of the benchmark user about recipients over [start, end).
func (b *bench) freeBusyRequest(recipients []string, start, end string) []byte {
	var s strings.Builder
	s.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//kalends-bench//EN\r\nMETHOD:REQUEST\r\n")
	s.WriteString("BEGIN:VFREEBUSY\r\n")
	line(&s, "UID:"+b.newUID())
	line(&s, "DTSTAMP:"+time.Now().UTC().Format("20060102T150405Z"))
	line(&s, "DTSTART:"+start)
	line(&s, "DTEND:"+end)
	line(&s, "ORGANIZER:mailto:"+benchUser+"@example.com")
	for _, r := range recipients {
		line(&s, "ATTENDEE:mailto:"+r)
	}
	s.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return []byte(s.String())
}

// freeBusyPostOp asks the outbox when the 20 recipients are busy over the
// free-busy window (RFC 6638 §5), as a client planning a meeting does. Its
// items are the recipients answered 2.0;Success; a 3.7 (unknown
// recipient) or a missing answer is an error.
func (b *bench) freeBusyPostOp(ctx context.Context, w *worker) (sample, error) {
	start, end := b.freeBusyWindow()
	recipients := freeBusyRecipients()
	data, d, err := b.c.do(ctx, http.MethodPost, outboxPath, b.freeBusyRequest(recipients, start, end), http.StatusOK,
		"Content-Type", "text/calendar; charset=utf-8")
	s := sample{dur: d, bytes: len(data)}
	if err != nil {
		return s, err
	}
	var unknown int
	for _, st := range requestStatuses(data) {
		switch {
		case strings.HasPrefix(st, "2.0"):
			s.items++
		case strings.HasPrefix(st, "3.7"):
			unknown++
		}
	}
	if unknown > 0 || s.items != len(recipients) {
		return s, fmt.Errorf("POST %s: %d of %d recipients answered 2.0, %d unknown (3.7): %.300s",
			outboxPath, s.items, len(recipients), unknown, data)
	}
	return s, nil
}

// checkFreeBusyPost prepares the free-busy POST (the users' busy time)
// and tries one request: an outbox that refuses it (403, 404, 405, 415 or
// 501) makes the phase unsupported.
func (b *bench) checkFreeBusyPost(ctx context.Context) error {
	if err := b.fillUsers(ctx); err != nil {
		return err
	}
	_, err := b.freeBusyPostOp(ctx, newWorker(3))
	var he *httpError
	if errors.As(err, &he) {
		switch he.status {
		case http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed,
			http.StatusUnsupportedMediaType, http.StatusNotImplemented:
			return fmt.Errorf("%w: %v", errUnsupported, err)
		}
	}
	return err
}

// requestStatuses returns the text of every request-status element of a
// schedule-response, whatever its prefix, without parsing the XML (like
// countResponses: the client must stay cheap).
func requestStatuses(data []byte) []string {
	var out []string
	for s := string(data); ; {
		i := strings.Index(s, "request-status>")
		if i < 0 {
			return out
		}
		j := strings.LastIndex(s[:i], "<")
		tag := ""
		if j >= 0 {
			tag = s[j+1 : i] // "C:" of an opening tag, "/C:" of a closing one
		}
		s = s[i+len("request-status>"):]
		if j < 0 || strings.ContainsAny(tag, " />") {
			continue
		}
		if end := strings.Index(s, "<"); end >= 0 {
			out = append(out, strings.TrimSpace(s[:end]))
		}
	}
}

// newWorker returns a worker for untimed requests, with its own random
// source.
func newWorker(seed uint64) *worker {
	return &worker{rng: rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))}
}
