package imip_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
	"github.com/kalends/kalends/scheduling"
	"github.com/kalends/kalends/scheduling/imip"
)

// TestTwoWorkersSendOnce: two workers on two handles of one database (as
// two server processes), in small batches, send every message exactly
// once between them.
func TestTwoWorkersSendOnce(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{})
		e := newEnv(t, open)
		const n = 24
		var rcpts []string
		for i := range n {
			rcpts = append(rcpts, fmt.Sprintf("p%02d@elsewhere.example", i))
		}
		e.put("alice", "big.ics", meeting("big-1", "All hands", rcpts...))
		workers := []*imip.Worker{e.worker(e.store, sink.Addr, 3), e.worker(open(t), sink.Addr, 3)}
		var wg sync.WaitGroup
		errs := make(chan error, len(workers))
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := w.RunOnce(context.Background())
					if err != nil {
						errs <- err
						return
					}
					if got == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range sink.Messages(t) {
			for _, to := range m.To {
				count[to]++
			}
		}
		for _, r := range rcpts {
			if count[r] != 1 {
				t.Errorf("%s got %d mails, want 1", r, count[r])
			}
		}
		if len(count) != n || len(e.messages(backend.MessageSent)) != n {
			t.Fatalf("%d recipients got mail, %d messages sent; want %d", len(count), len(e.messages(backend.MessageSent)), n)
		}
	})
}

// silentServer accepts connections and never answers, like a relay that
// hangs; accepted gets each connection.
func silentServer(t *testing.T) (string, chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	return ln.Addr().String(), accepted
}

// TestHangingServer: a relay that accepts and then says nothing is given
// up on by the command timeout, or by the timeout of the whole send, and
// the message waits for its next attempt.
func TestHangingServer(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		addr, _ := silentServer(t)
		e := newEnv(t, open)
		e.put("alice", "a.ics", meeting("a-1", "A", "dave@elsewhere.example"))
		e.put("alice", "b.ics", meeting("b-1", "B", "dave@elsewhere.example"))
		perCommand := e.worker(e.store, addr, 1, func(o *imip.Options) { o.SMTP.CommandTimeout = 200 * time.Millisecond })
		whole := e.worker(e.store, addr, 1, func(o *imip.Options) { o.SendTimeout = 200 * time.Millisecond })
		for _, w := range []*imip.Worker{perCommand, whole} {
			if n := runOnce(t, w); n != 1 {
				t.Fatalf("claimed %d", n)
			}
		}
		for _, m := range e.messages("") {
			// Stores keep seconds (SQLite) or microseconds (PostgreSQL).
			if d := m.NextAttemptAt.Sub(e.clock.Now().Add(time.Minute)); m.Status != backend.MessagePending || m.Attempts != 1 ||
				m.LastError == "" || d <= -time.Second || d >= time.Second {
				t.Fatalf("after a hanging relay: status %s, attempts %d, next %v, error %q", m.Status, m.Attempts, m.NextAttemptAt, m.LastError)
			}
			if !strings.Contains(m.LastError, "timeout") && !strings.Contains(m.LastError, "closed") {
				t.Errorf("error recorded: %q", m.LastError)
			}
		}
	})
}

// TestShutdownMidSend: a worker stopped while its relay hangs records
// nothing; the message stays leased, and once the lease ended another
// worker sends it (at least once).
func TestShutdownMidSend(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		addr, accepted := silentServer(t)
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{})
		e := newEnv(t, open)
		e.put("alice", "a.ics", meeting("a-1", "A", "dave@elsewhere.example"))
		stuck := e.worker(e.store, addr, 5)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := stuck.RunOnce(ctx); done <- err }()
		select {
		case <-accepted:
		case <-time.After(30 * time.Second):
			t.Fatal("the worker never connected")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("RunOnce on shutdown: %v", err)
		}
		m := e.messages("")[0]
		if m.Status != backend.MessagePending || m.Attempts != 1 || m.ClaimToken == "" || m.LastError != "" {
			t.Fatalf("after the interrupted send: %+v", m)
		}
		other := e.worker(open(t), sink.Addr, 5)
		if n := runOnce(t, other); n != 0 {
			t.Fatal("another worker took a leased message")
		}
		e.clock.Advance(6 * time.Minute) // the lease: 5 × 20 s + 1 min
		if n := runOnce(t, other); n != 1 {
			t.Fatalf("after the lease, claimed %d", n)
		}
		if msgs := sink.Messages(t); len(msgs) != 1 || msgs[0].To[0] != "dave@elsewhere.example" {
			t.Fatalf("mails: %+v", msgs)
		}
		if m := e.messages("")[0]; m.Status != backend.MessageSent || m.Attempts != 2 {
			t.Fatalf("after the second worker: %+v", m)
		}
	})
}

// TestGiveUp: a relay that cannot be reached is tried on the backoff
// schedule and, after the last attempt about a day later, the failure
// shows in the organizer's copy.
func TestGiveUp(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		closed := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
		e := newEnv(t, open)
		e.put("alice", "a.ics", meeting("a-1", "A", "dave@elsewhere.example"))
		before, _ := e.object("alice", "a.ics")
		w := e.worker(e.store, closed, 5)
		start := e.clock.Now()
		for i, wait := range imip.DefaultRetries {
			if n := runOnce(t, w); n != 1 {
				t.Fatalf("attempt %d: claimed %d", i+1, n)
			}
			m := e.messages("")[0]
			if m.Status != backend.MessagePending || m.Attempts != i+1 || !strings.Contains(m.LastError, "connect") {
				t.Fatalf("after attempt %d: %+v", i+1, m)
			}
			if o, _ := e.object("alice", "a.ics"); o.ETag != before.ETag {
				t.Fatalf("attempt %d changed the copy before the final failure", i+1)
			}
			e.clock.Advance(wait)
		}
		runOnce(t, w)
		m := e.messages("")[0]
		if m.Status != backend.MessageFailed || m.Attempts != 7 {
			t.Fatalf("after the last attempt: %+v", m)
		}
		if d := m.LastAttemptAt.Sub(start); d < 20*time.Hour || d > 26*time.Hour {
			t.Fatalf("gave up %v after the first attempt", d)
		}
		after, _ := e.object("alice", "a.ics")
		if s := scheduleStatus(t, after.Data, "ATTENDEE", "dave@elsewhere.example"); s != scheduling.StatusFailed {
			t.Fatalf("SCHEDULE-STATUS %q after giving up", s)
		}
	})
}

// TestDeletedCopy: the organizer deleted the meeting before its mail
// failed: the failures of the REQUEST and of the CANCEL are recorded and
// nothing else happens.
func TestDeletedCopy(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{Reject: []string{"erin@elsewhere.example"}})
		e := newEnv(t, open)
		e.put("alice", "a.ics", meeting("a-1", "A", "erin@elsewhere.example"))
		e.del("alice", "a.ics")
		w := e.worker(e.store, sink.Addr, 5)
		if n := runOnce(t, w); n != 2 {
			t.Fatalf("claimed %d, want the REQUEST and the CANCEL", n)
		}
		for _, m := range e.messages("") {
			if m.Status != backend.MessageFailed || !strings.Contains(m.LastError, "550") {
				t.Fatalf("%s: %+v", m.Method, m)
			}
		}
		cal, _ := e.store.Calendar(context.Background(), e.users["alice"].ID, "calendar")
		if objs, _ := e.store.ListObjects(context.Background(), cal.ID, nil); len(objs) != 0 {
			t.Fatalf("the deleted meeting came back: %d objects", len(objs))
		}
	})
}

// TestReplyFailure: bob's answer to an organizer outside the server is
// refused; bob's copy shows SCHEDULE-STATUS 5.1 on the ORGANIZER.
func TestReplyFailure(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{Reject: []string{"olga@elsewhere.example"}})
		e := newEnv(t, open)
		invite := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:olga-1\r\n" +
			"DTSTAMP:20261201T090000Z\r\nDTSTART:20270104T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Budget\r\n" +
			"ORGANIZER;CN=Olga:mailto:olga@elsewhere.example\r\nATTENDEE;PARTSTAT=%s:mailto:bob@example.com\r\n" +
			"END:VEVENT\r\nEND:VCALENDAR\r\n"
		e.put("bob", "budget.ics", fmt.Sprintf(invite, "NEEDS-ACTION"))
		e.put("bob", "budget.ics", fmt.Sprintf(invite, "ACCEPTED"))
		replies := e.messages(backend.MessagePending)
		if len(replies) != 1 || replies[0].Method != "REPLY" || replies[0].Recipient != "mailto:olga@elsewhere.example" {
			t.Fatalf("queued: %+v", replies)
		}
		before, _ := e.object("bob", "budget.ics")
		runOnce(t, e.worker(e.store, sink.Addr, 5))
		after, _ := e.object("bob", "budget.ics")
		if s := scheduleStatus(t, after.Data, "ORGANIZER", "olga@elsewhere.example"); s != scheduling.StatusFailed {
			t.Fatalf("ORGANIZER SCHEDULE-STATUS %q, want 5.1:\n%s", s, after.Data)
		}
		if after.ETag == before.ETag || after.Index.ScheduleTag != before.Index.ScheduleTag {
			t.Fatalf("ETag %s→%s, Schedule-Tag %s→%s", before.ETag, after.ETag, before.Index.ScheduleTag, after.Index.ScheduleTag)
		}
	})
}
