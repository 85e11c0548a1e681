package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// RunMailQueue runs the suite of the mail queue role (backend.MailQueue) against
// stores made by open.
func RunMailQueue(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s backend.Store, sender *backend.Principal)
	}{
		{"Claim", testMailClaim},
		{"Finish", testMailFinish},
		{"FinishReport", testMailFinishReport},
		{"Release", testMailRelease},
		{"ListAndRetry", testMailListRetry},
		{"ConcurrentClaimers", testMailConcurrentClaimers},
		{"SharedBody", testMailSharedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, mustUser(t, s, "mona"))
		})
	}
}

// queueMail queues n messages from sender and returns their ids in order.
func queueMail(t *testing.T, s backend.Store, sender *backend.Principal, n int) []int64 {
	t.Helper()
	var ids []int64
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		ids = ids[:0] // Update may run fn again
		for i := range n {
			m := &backend.OutboundMessage{PrincipalID: sender.ID, Originator: "mailto:mona@example.com",
				Recipient: fmt.Sprintf("mailto:r%d@elsewhere.example", i), Method: "REQUEST",
				UID: fmt.Sprintf("uid-%d", i), Data: []byte(fmt.Sprintf("BEGIN:VCALENDAR\r\nX-N:%d\r\nEND:VCALENDAR\r\n", i))}
			if err := tx.QueueMessage(ctx(t), m); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("queueing %d messages: %v", n, err)
	}
	return ids
}

func claim(t *testing.T, s backend.Store, now time.Time, limit int) []*backend.OutboundMessage {
	t.Helper()
	msgs, err := s.ClaimMessages(ctx(t), now, time.Minute, limit)
	if err != nil {
		t.Fatalf("ClaimMessages: %v", err)
	}
	return msgs
}

func messageIDs(msgs []*backend.OutboundMessage) []int64 {
	var out []int64
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []*backend.OutboundMessage, want ...int64) {
	t.Helper()
	if g := messageIDs(got); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("%s: got messages %v, want %v", what, g, want)
	}
}

// testMailClaim: claims take the oldest due messages, count the attempt,
// hold them for the lease, and give them out again once it expired.
func testMailClaim(t *testing.T, s backend.Store, sender *backend.Principal) {
	ids := queueMail(t, s, sender, 3)
	got := claim(t, s, t0, 2)
	wantIDs(t, "first claim", got, ids[0], ids[1])
	m := got[0]
	if m.Attempts != 1 || m.ClaimToken == "" || !m.ClaimedUntil.Equal(t0.Add(time.Minute)) || m.Status != backend.MessagePending ||
		m.Recipient != "mailto:r0@elsewhere.example" || m.Method != "REQUEST" || m.UID != "uid-0" ||
		string(m.Data) != "BEGIN:VCALENDAR\r\nX-N:0\r\nEND:VCALENDAR\r\n" || m.PrincipalID != sender.ID {
		t.Fatalf("claimed message = %+v", m)
	}
	if got[1].ClaimToken != m.ClaimToken {
		t.Fatal("one claim gave its messages different tokens")
	}
	wantIDs(t, "second claim", claim(t, s, t0, 5), ids[2])
	wantIDs(t, "claim while leased", claim(t, s, t0.Add(30*time.Second), 5))
	again := claim(t, s, t0.Add(time.Minute), 5)
	wantIDs(t, "claim after the lease", again, ids...)
	if again[0].Attempts != 2 || again[0].ClaimToken == m.ClaimToken {
		t.Fatalf("reclaimed message: attempts %d, token %q (was %q)", again[0].Attempts, again[0].ClaimToken, m.ClaimToken)
	}
	if _, err := s.ClaimMessages(ctx(t), t0, time.Minute, 0); err == nil {
		t.Fatal("ClaimMessages with limit 0 succeeded")
	}
}

// testMailFinish: sent and failed messages are never claimed again; a
// temporary failure waits for its next attempt; a stale claim records
// nothing.
func testMailFinish(t *testing.T, s backend.Store, sender *backend.Principal) {
	ids := queueMail(t, s, sender, 3)
	got := claim(t, s, t0, 3)
	at := t0.Add(time.Second)
	finish := func(a backend.Attempt) error { return s.FinishAttempt(ctx(t), &a, nil) }
	if err := finish(backend.Attempt{ID: ids[0], ClaimToken: "not-mine", At: at, Status: backend.MessageSent}); !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Fatalf("finishing with another claim's token: %v", err)
	}
	tok := got[0].ClaimToken
	for _, a := range []backend.Attempt{
		{ID: ids[0], ClaimToken: tok, At: at, Status: backend.MessageSent},
		{ID: ids[1], ClaimToken: tok, At: at, Status: backend.MessageFailed, Error: "550 no such user"},
		{ID: ids[2], ClaimToken: tok, At: at, Status: backend.MessagePending, NextAttemptAt: t0.Add(5 * time.Minute), Error: "451 later"},
	} {
		if err := finish(a); err != nil {
			t.Fatalf("FinishAttempt(%+v): %v", a, err)
		}
	}
	if err := finish(backend.Attempt{ID: ids[0], ClaimToken: tok, At: at, Status: backend.MessageFailed}); !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Fatalf("finishing a message twice: %v", err)
	}
	wantIDs(t, "claim before the next attempt", claim(t, s, t0.Add(4*time.Minute), 5))
	later := claim(t, s, t0.Add(5*time.Minute), 5)
	wantIDs(t, "claim at the next attempt", later, ids[2])
	if later[0].Attempts != 2 || later[0].LastError != "451 later" || !later[0].LastAttemptAt.Equal(at) {
		t.Fatalf("retried message = %+v", later[0])
	}
	all, err := s.ListMessages(ctx(t), "", 0, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("ListMessages = %d, %v", len(all), err)
	}
	if all[0].Status != backend.MessageSent || all[1].Status != backend.MessageFailed || all[1].LastError != "550 no such user" ||
		!all[0].ClaimedUntil.IsZero() || all[0].ClaimToken != "" {
		t.Fatalf("finished messages = %+v, %+v", all[0], all[1])
	}
}

// testMailFinishReport: the function given to FinishAttempt commits with
// the outcome, and its error undoes both.
func testMailFinishReport(t *testing.T, s backend.Store, sender *backend.Principal) {
	cal := mustCalendar(t, s, sender, "cal")
	ids := queueMail(t, s, sender, 1)
	got := claim(t, s, t0, 1)
	a := &backend.Attempt{ID: ids[0], ClaimToken: got[0].ClaimToken, At: t0, Status: backend.MessageFailed, Error: "550"}
	boom := errors.New("boom")
	err := s.FinishAttempt(ctx(t), a, func(tx backend.TxStore) error {
		if _, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: cal.ID, Object: event("a.ics", "uid-a", "A", t0)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("FinishAttempt returned %v, want the function's error", err)
	}
	if _, err := s.Object(ctx(t), cal.ID, "a.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("a failed report kept its write")
	}
	if l, _ := s.ListMessages(ctx(t), backend.MessagePending, 0, 0); len(l) != 1 || l[0].ClaimToken != got[0].ClaimToken {
		t.Fatalf("a failed report kept the outcome: %+v", l)
	}
	err = s.FinishAttempt(ctx(t), a, func(tx backend.TxStore) error {
		objs, err := tx.ObjectsByUID(ctx(t), sender.ID, "uid-a")
		if err != nil || len(objs) != 0 {
			return fmt.Errorf("ObjectsByUID = %v, %v", objs, err)
		}
		_, err = tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: cal.ID, Object: event("a.ics", "uid-a", "A", t0)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Object(ctx(t), cal.ID, "a.ics"); err != nil {
		t.Fatalf("the report's write is missing: %v", err)
	}
	if l, _ := s.ListMessages(ctx(t), backend.MessageFailed, 0, 0); len(l) != 1 {
		t.Fatalf("failed messages = %+v", l)
	}
}

// testMailRelease: released messages are due again at once, their
// unmade attempt uncounted; another claim's messages are not released.
func testMailRelease(t *testing.T, s backend.Store, sender *backend.Principal) {
	ids := queueMail(t, s, sender, 2)
	first := claim(t, s, t0, 1)
	second := claim(t, s, t0, 1)
	if err := s.ReleaseMessages(ctx(t), first[0].ClaimToken, ids); err != nil {
		t.Fatal(err)
	}
	got := claim(t, s, t0, 5)
	wantIDs(t, "claim after release", got, ids[0])
	if got[0].Attempts != 1 {
		t.Fatalf("a released message counts %d attempts, want 1", got[0].Attempts)
	}
	if err := s.ReleaseMessages(ctx(t), second[0].ClaimToken, nil); err != nil {
		t.Fatal(err)
	}
}

// testMailListRetry: listing by status and page; an administrator's retry
// makes a failed message due at once with a fresh count, and refuses a
// sent one.
func testMailListRetry(t *testing.T, s backend.Store, sender *backend.Principal) {
	ids := queueMail(t, s, sender, 4)
	got := claim(t, s, t0, 2)
	tok := got[0].ClaimToken
	for i, st := range []string{backend.MessageSent, backend.MessageFailed} {
		if err := s.FinishAttempt(ctx(t), &backend.Attempt{ID: ids[i], ClaimToken: tok, At: t0, Status: st}, nil); err != nil {
			t.Fatal(err)
		}
	}
	list := func(status string, after int64, limit int) []*backend.OutboundMessage {
		l, err := s.ListMessages(ctx(t), status, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	wantIDs(t, "pending", list(backend.MessagePending, 0, 0), ids[2], ids[3])
	wantIDs(t, "sent", list(backend.MessageSent, 0, 0), ids[0])
	wantIDs(t, "page", list("", ids[0], 2), ids[1], ids[2])
	if l := list("", 0, 1); len(l) != 1 || string(l[0].Data) == "" {
		t.Fatalf("ListMessages without data: %+v", l)
	}

	if err := s.RetryMessage(ctx(t), ids[0]); !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Fatalf("retrying a sent message: %v", err)
	}
	if err := s.RetryMessage(ctx(t), ids[3]+100); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("retrying an unknown message: %v", err)
	}
	if err := s.RetryMessage(ctx(t), ids[1]); err != nil {
		t.Fatal(err)
	}
	again := claim(t, s, t0, 5)
	wantIDs(t, "claim after retry", again, ids[1], ids[2], ids[3])
	if again[0].Attempts != 1 {
		t.Fatalf("a retried message counts %d attempts, want 1", again[0].Attempts)
	}
}

// testMailConcurrentClaimers: workers claiming at once (as several server
// processes do) never get the same message, and together get them all.
func testMailConcurrentClaimers(t *testing.T, s backend.Store, sender *backend.Principal) {
	const n, workers, batch = 120, 6, 7
	ids := queueMail(t, s, sender, n)
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				msgs, err := s.ClaimMessages(ctx(t), t0, time.Hour, batch)
				if err != nil {
					errs <- err
					return
				}
				if len(msgs) == 0 {
					return
				}
				mu.Lock()
				for _, m := range msgs {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("message %d claimed %d times", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Fatalf("claimed %d distinct messages, want %d", len(seen), n)
	}
}

// testMailSharedBody: QueueMail queues one message per recipient, in
// order, all reading the one stored text (one BodyID); every read gives
// each its data, and each recipient is claimed and finished on its own.
func testMailSharedBody(t *testing.T, s backend.Store, sender *backend.Principal) {
	data := []byte("BEGIN:VCALENDAR\r\nX-SHARED:1\r\nEND:VCALENDAR\r\n")
	rcpts := []string{"mailto:c@elsewhere.example", "mailto:a@elsewhere.example", "mailto:b@other.example"}
	m := &backend.OutboundMessage{PrincipalID: sender.ID, Originator: "mailto:mona@example.com", Method: "REQUEST", UID: "uid-s", Data: data}
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		if err := tx.QueueMail(ctx(t), m, rcpts); err != nil {
			return err
		}
		if err := tx.QueueMail(ctx(t), &backend.OutboundMessage{PrincipalID: sender.ID, Originator: "mailto:mona@example.com",
			Method: "REQUEST", UID: "uid-none", Data: data}, nil); err != nil {
			return err
		}
		return tx.QueueMessage(ctx(t), &backend.OutboundMessage{PrincipalID: sender.ID, Originator: "mailto:mona@example.com",
			Recipient: "mailto:d@elsewhere.example", Method: "CANCEL", UID: "uid-d", Data: []byte("other")})
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, msgs []*backend.OutboundMessage) {
		t.Helper()
		if len(msgs) != 4 || msgs[0].ID != m.ID || msgs[0].BodyID != m.BodyID || m.BodyID == 0 {
			t.Fatalf("%s: %d messages, first %+v; queued as id %d body %d", what, len(msgs), msgs[0], m.ID, m.BodyID)
		}
		for i, r := range rcpts {
			got := msgs[i]
			if got.Recipient != r || got.BodyID != m.BodyID || string(got.Data) != string(data) || got.UID != "uid-s" || got.Method != "REQUEST" {
				t.Errorf("%s: message %d = %+v, want recipient %s with the shared text", what, i, got, r)
			}
		}
		if d := msgs[3]; d.BodyID == m.BodyID || string(d.Data) != "other" || d.Recipient != "mailto:d@elsewhere.example" {
			t.Errorf("%s: a message queued alone = %+v", what, d)
		}
	}
	all, err := s.OutboundMessages(ctx(t), sender.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("OutboundMessages", all)
	listed, err := s.ListMessages(ctx(t), "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	check("ListMessages", listed)
	claimed := claim(t, s, t0, 10)
	check("ClaimMessages", claimed)
	// Each recipient has its own outcome.
	c := claimed[1]
	if err := s.FinishAttempt(ctx(t), &backend.Attempt{ID: c.ID, ClaimToken: c.ClaimToken, At: t0, Status: backend.MessageFailed, Error: "550"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseMessages(ctx(t), c.ClaimToken, messageIDs(claimed)); err != nil {
		t.Fatal(err)
	}
	again := claim(t, s, t0, 10)
	if len(again) != 3 || string(again[0].Data) != string(data) || again[0].Recipient != rcpts[0] || again[1].Recipient != rcpts[2] {
		t.Fatalf("after one recipient failed, claimed %+v", again)
	}
}
