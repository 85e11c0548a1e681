package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/teststores"
)

// queuedBytes is what the queue holds for msgs: each recipient's row and
// each stored iCalendar text (BodyID) once.
func queuedBytes(msgs []*backend.OutboundMessage) int {
	n := 0
	bodies := map[int64]bool{}
	for _, m := range msgs {
		n += len(m.Recipient) + len(m.Originator) + len(m.UID) + len(m.Method)
		if !bodies[m.BodyID] {
			bodies[m.BodyID] = true
			n += len(m.Data)
		}
	}
	return n
}

// TestQueuedMailIsLinear: a meeting just under max-attendees-per-instance
// queues one message per attendee outside the server, but the iCalendar
// text, which names every attendee, is stored once for all of them, not
// once each: the queue grows with the attendees, not with their square.
// (A limit of 300 keeps the test short; the cost per attendee is the
// same under the default.)
func TestQueuedMailIsLinear(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		c := f.calendar("calendar")
		const limit = 300
		svc := calendar.New(f.store, calendar.Options{MaxAttendees: limit})
		sizes := map[int]int{}
		for _, n := range []int{limit / 10, limit - 1} {
			uid := fmt.Sprintf("m%d", n)
			_, err := svc.Put(context.Background(), &calendar.PutRequest{Owner: f.alice, Calendar: c, URI: uid + ".ics",
				Data: []byte(meeting(uid, n, 0))})
			if err != nil {
				t.Fatalf("%d attendees: %v", n, err)
			}
			msgs, err := f.store.OutboundMessages(context.Background(), f.alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			var mine []*backend.OutboundMessage
			rcpts := map[string]bool{}
			for _, m := range msgs {
				if m.UID == uid {
					mine, rcpts[m.Recipient] = append(mine, m), true
				}
			}
			if len(mine) != n || len(rcpts) != n {
				t.Fatalf("%d attendees: %d messages queued to %d recipients", n, len(mine), len(rcpts))
			}
			sizes[n] = queuedBytes(mine)
			// An attendee's line is about 70 bytes in the text and its
			// row about 60: 300 bytes each is a generous linear bound.
			if sizes[n] > 300*n {
				t.Errorf("%d attendees queued %d bytes, more than %d", n, sizes[n], 300*n)
			}
		}
		// Ten times the attendees, about ten times the bytes (a square
		// would be a hundred).
		if small, big := sizes[limit/10], sizes[limit-1]; big > 12*small {
			t.Errorf("queued bytes grew from %d to %d for ten times the attendees", small, big)
		}
		t.Logf("queued bytes: %v", sizes)
	})
}

// cancellingStore ends the request's context once a scheduling
// transaction has read the stored object, as a client that goes away or
// a request deadline would, and counts the writes asked for afterwards.
type cancellingStore struct {
	backend.Store
	cancel func()
	writes int
}

func (s *cancellingStore) Update(ctx context.Context, fn func(tx backend.TxStore) error) error {
	return s.Store.Update(ctx, func(tx backend.TxStore) error { return fn(&cancellingTx{TxStore: tx, s: s}) })
}

type cancellingTx struct {
	backend.TxStore
	s *cancellingStore
}

func (t *cancellingTx) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	o, err := t.TxStore.Object(context.WithoutCancel(ctx), calID, uri)
	t.s.cancel()
	return o, err
}

func (t *cancellingTx) QueueMail(ctx context.Context, m *backend.OutboundMessage, rcpts []string) error {
	t.s.writes++
	return t.TxStore.QueueMail(ctx, m, rcpts)
}

func (t *cancellingTx) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	t.s.writes++
	return t.TxStore.QueueMessage(ctx, m)
}

func (t *cancellingTx) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	t.s.writes++
	return t.TxStore.PutObjects(ctx, reqs)
}

// TestSchedulingStopsWithTheRequest: when the request's context ends
// during implicit scheduling, the deliveries stop at the next recipient:
// no copy, inbox message or mail is even prepared for the store, and
// nothing is written.
func TestSchedulingStopsWithTheRequest(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		c := f.calendar("calendar")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &cancellingStore{Store: f.store, cancel: cancel}
		svc := calendar.New(s, calendar.Options{})
		_, err := svc.Put(ctx, &calendar.PutRequest{Owner: f.alice, Calendar: c, URI: "m.ics", Data: []byte(meeting("m", 50, 0))})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Put after the request ended: %v, want context.Canceled", err)
		}
		if s.writes != 0 {
			t.Errorf("%d writes were sent to the store after the request ended", s.writes)
		}
		if objs, _ := f.store.ListObjects(context.Background(), c.ID, nil); len(objs) != 0 {
			t.Errorf("%d objects stored", len(objs))
		}
		if msgs, _ := f.store.OutboundMessages(context.Background(), f.alice.ID); len(msgs) != 0 {
			t.Errorf("%d messages queued", len(msgs))
		}
	})
}
