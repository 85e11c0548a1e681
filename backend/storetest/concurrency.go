package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kalends/kalends/backend"
)

// testConcurrentWriters: writers racing on one calendar lose nothing; every
// write gets its own revision and change-log entry.
func testConcurrentWriters(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "peggy")
	c := mustCalendar(t, s, p, "cal")
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				uri := fmt.Sprintf("w%d-%d.ics", w, i)
				o := event(uri, "uid-"+uri, "E", t0)
				if _, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: o}); err != nil {
					errs <- err
					return
				}
				if i%5 == 4 { // some updates of an earlier object
					o := event(fmt.Sprintf("w%d-%d.ics", w, i-1), fmt.Sprintf("uid-w%d-%d.ics", w, i-1), "E2", t0)
					if _, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: o}); err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent put: %v", err)
	}
	total := int64(writers*each + writers*(each/5))
	objs, err := s.ListObjects(ctx(t), c.ID, nil)
	if err != nil || len(objs) != writers*each {
		t.Fatalf("objects after concurrent writes = %d, %v; want %d", len(objs), err, writers*each)
	}
	cal, _ := s.Calendar(ctx(t), p.ID, "cal")
	if cal.Revision != total {
		t.Fatalf("revision = %d, want %d (one per write)", cal.Revision, total)
	}
	cs, err := s.Changes(ctx(t), c.ID, 0, 0)
	if err != nil || len(cs.Changes) != writers*each || cs.Revision != total {
		t.Fatalf("change log = %d entries at %d, %v", len(cs.Changes), cs.Revision, err)
	}
	// Every token in between sees a consistent suffix: no revision appears twice.
	seen := map[int64]bool{}
	for _, ch := range cs.Changes {
		if seen[ch.Revision] {
			t.Fatalf("revision %d used twice", ch.Revision)
		}
		seen[ch.Revision] = true
	}
}

// testConcurrentIfMatch: of several updates conditioned on the same ETag,
// exactly one wins; the others get ErrPreconditionFailed.
func testConcurrentIfMatch(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "quinn")
	c := mustCalendar(t, s, p, "cal")
	for round := 0; round < 5; round++ {
		base := put(t, s, c.ID, event("a.ics", "uid-a", fmt.Sprintf("base %d", round), t0))
		const racers = 6
		var wg sync.WaitGroup
		results := make(chan error, racers)
		for r := 0; r < racers; r++ {
			wg.Add(1)
			go func(r int) {
				defer wg.Done()
				_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfMatch: base.ETag,
					Object: event("a.ics", "uid-a", fmt.Sprintf("round %d racer %d", round, r), t0)})
				results <- err
			}(r)
		}
		wg.Wait()
		close(results)
		wins := 0
		for err := range results {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, backend.ErrPreconditionFailed):
			default:
				t.Fatalf("racing If-Match put: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d updates won against one ETag, want exactly 1", round, wins)
		}
	}
}

// testConcurrentCreates: of racing creations of one URI with If-None-Match,
// exactly one wins; of racing creations of one UID under different URIs,
// exactly one wins and the others get a UID conflict naming it.
func testConcurrentCreates(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "rita")
	c := mustCalendar(t, s, p, "cal")
	const racers = 6
	for round := 0; round < 3; round++ {
		results := make(chan error, 2*racers)
		var wg sync.WaitGroup
		for r := 0; r < racers; r++ {
			wg.Add(2)
			go func(r int) {
				defer wg.Done()
				uri := fmt.Sprintf("same-%d.ics", round)
				_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfNoneMatch: true,
					Object: event(uri, "uid-"+uri, fmt.Sprintf("racer %d", r), t0)})
				results <- err
			}(r)
			go func(r int) {
				defer wg.Done()
				_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID,
					Object: event(fmt.Sprintf("uid-%d-%d.ics", round, r), fmt.Sprintf("shared-uid-%d", round), "E", t0)})
				results <- err
			}(r)
		}
		wg.Wait()
		close(results)
		wins, preconds, conflicts := 0, 0, 0
		for err := range results {
			var ue *backend.UIDConflictError
			switch {
			case err == nil:
				wins++
			case errors.Is(err, backend.ErrPreconditionFailed):
				preconds++
			case errors.As(err, &ue):
				conflicts++
			default:
				t.Fatalf("racing create: %v", err)
			}
		}
		if wins != 2 || preconds != racers-1 || conflicts != racers-1 {
			t.Fatalf("round %d: %d wins, %d precondition failures, %d UID conflicts; want 2, %d, %d",
				round, wins, preconds, conflicts, racers-1, racers-1)
		}
	}
}
