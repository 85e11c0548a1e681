package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// testUpdate: writes in one Update commit together; an error undoes them all.
func testUpdate(t *testing.T, s backend.Store) {
	org := mustUser(t, s, "olga")
	att := mustUser(t, s, "paul")
	oc := mustCalendar(t, s, org, "cal")
	ac := mustCalendar(t, s, att, "cal")
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		if _, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: oc.ID, Object: event("m.ics", "uid-m", "Meeting", t0)}); err != nil {
			return err
		}
		if _, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: ac.ID, Object: event("m.ics", "uid-m", "Meeting", t0)}); err != nil {
			return err
		}
		// Reads see the transaction's own writes.
		if o, err := tx.ObjectByUID(ctx(t), ac.ID, "uid-m"); err != nil || o.URI != "m.ics" {
			return fmt.Errorf("read inside the transaction: %v, %v", o, err)
		}
		return tx.QueueMessage(ctx(t), &backend.OutboundMessage{PrincipalID: org.ID, Originator: "mailto:olga@example.com",
			Recipient: "mailto:zoe@elsewhere.example", Method: "REQUEST", UID: "uid-m", Data: []byte("BEGIN:VCALENDAR\r\n")})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*backend.Calendar{oc, ac} {
		if _, err := s.Object(ctx(t), c.ID, "m.ics"); err != nil {
			t.Fatalf("write of the Update missing: %v", err)
		}
	}
	msgs, err := s.OutboundMessages(ctx(t), org.ID)
	if err != nil || len(msgs) != 1 || msgs[0].Recipient != "mailto:zoe@elsewhere.example" || msgs[0].Status != "pending" {
		t.Fatalf("queued messages = %+v, %v", msgs, err)
	}

	boom := errors.New("boom")
	err = s.Update(ctx(t), func(tx backend.TxStore) error {
		if _, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: oc.ID, Object: event("n.ics", "uid-n", "N", t0)}); err != nil {
			return err
		}
		if _, err := tx.DeleteObject(ctx(t), ac.ID, "m.ics", ""); err != nil {
			return err
		}
		tx.QueueMessage(ctx(t), &backend.OutboundMessage{PrincipalID: org.ID, Originator: "mailto:olga@example.com",
			Recipient: "mailto:x@elsewhere.example", Method: "CANCEL", UID: "uid-n", Data: []byte("x")})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if _, err := s.Object(ctx(t), oc.ID, "n.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("a failed Update kept a write")
	}
	if _, err := s.Object(ctx(t), ac.ID, "m.ics"); err != nil {
		t.Fatal("a failed Update kept a deletion")
	}
	if msgs, _ := s.OutboundMessages(ctx(t), org.ID); len(msgs) != 1 {
		t.Fatalf("a failed Update kept a queued message: %d", len(msgs))
	}
	// ObjectsByUID finds a UID across a principal's calendars, with data.
	if err := s.Update(ctx(t), func(tx backend.TxStore) error {
		objs, err := tx.ObjectsByUID(ctx(t), att.ID, "uid-m")
		if err != nil || len(objs) != 1 || objs[0].CalendarID != ac.ID || objs[0].URI != "m.ics" || len(objs[0].Data) == 0 {
			return fmt.Errorf("ObjectsByUID = %+v, %v", objs, err)
		}
		if objs, err := tx.ObjectsByUID(ctx(t), att.ID, "uid-none"); err != nil || len(objs) != 0 {
			return fmt.Errorf("ObjectsByUID(unknown) = %+v, %v", objs, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A refused write inside Update can be handled and the rest still commits.
	err = s.Update(ctx(t), func(tx backend.TxStore) error {
		_, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: oc.ID, IfNoneMatch: true, Object: event("m.ics", "uid-m", "X", t0)})
		if !errors.Is(err, backend.ErrPreconditionFailed) {
			return fmt.Errorf("want a precondition failure, got %v", err)
		}
		_, err = tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: oc.ID, Object: event("k.ics", "uid-k", "K", t0)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Object(ctx(t), oc.ID, "k.ics"); err != nil {
		t.Fatal("write after a handled refusal was lost")
	}
}

// testRoomLock: many concurrent bookings of one room for overlapping
// times, each checking the room's calendar under LockPrincipal, end with
// exactly one booking. This is what keeps a room from being double-booked.
func testRoomLock(t *testing.T, s backend.Store) {
	room := &backend.Principal{Kind: backend.KindRoom, Name: "hall", Capacity: 10, BookingPolicy: "accept-if-free", MaxBookings: 1}
	if err := s.CreatePrincipal(ctx(t), room, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := s.PrincipalByID(ctx(t), room.ID)
	if got.BookingPolicy != "accept-if-free" || got.MaxBookings != 1 {
		t.Fatalf("booking settings not stored: %+v", got)
	}
	rc := mustCalendar(t, s, room, "calendar")
	const racers = 12
	var wg sync.WaitGroup
	booked := make(chan bool, racers)
	for r := 0; r < racers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			start := t0.Add(time.Duration(r) * 4 * time.Minute) // every two of them overlap
			ok := false
			err := s.Update(ctx(t), func(tx backend.TxStore) error {
				ok = false
				if err := tx.LockPrincipal(ctx(t), room.ID); err != nil {
					return err
				}
				busy, err := tx.InstancesInRange(ctx(t), rc.ID, start, start.Add(time.Hour))
				if err != nil || len(busy) > 0 {
					return err
				}
				uri := fmt.Sprintf("b%d.ics", r)
				_, err = tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: rc.ID, Object: event(uri, "uid-"+uri, "Booking", start)})
				ok = err == nil
				return err
			})
			if err != nil {
				t.Errorf("booking %d: %v", r, err)
			}
			booked <- ok
		}(r)
	}
	wg.Wait()
	close(booked)
	n := 0
	for ok := range booked {
		if ok {
			n++
		}
	}
	objs, _ := s.ListObjects(ctx(t), rc.ID, nil)
	if n != 1 || len(objs) != 1 {
		t.Fatalf("%d bookings accepted, %d stored; want exactly one", n, len(objs))
	}
}
