package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// testPutObjects: PutObjects writes several objects as PutObject would one
// after another (results, revisions, change log, index); a refusal of one
// leaves nothing of the call written and the transaction usable; one
// resource named twice is written twice, in order.
func testPutObjects(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "quinn")
	a := mustCalendar(t, s, p, "a")
	b := mustCalendar(t, s, p, "b")
	put(t, s, a.ID, event("old.ics", "uid-old", "Old", t0))
	var res []*backend.PutObjectResult
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		var err error
		res, err = tx.PutObjects(ctx(t), []*backend.PutObjectRequest{
			{CalendarID: b.ID, Object: event("b1.ics", "uid-b1", "B1", t0)},
			{CalendarID: a.ID, Object: event("old.ics", "uid-old", "Changed", t0.Add(2*time.Hour)), IfMatch: backend.ETag(event("", "uid-old", "Old", t0).Data)},
			{CalendarID: a.ID, Object: event("a2.ics", "uid-a2", "A2", t0.Add(4*time.Hour)), IfNoneMatch: true},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || !res[0].Created || res[1].Created || !res[2].Created {
		t.Fatalf("results %+v, want created, replaced, created", res)
	}
	if res[0].Revision != 1 || res[1].Revision != 2 || res[2].Revision != 3 {
		t.Errorf("revisions %d, %d, %d; want 1 (b), then 2 and 3 (a, after the first write's 1)", res[0].Revision, res[1].Revision, res[2].Revision)
	}
	for i, c := range []struct {
		cal     int64
		uri, in string
	}{{b.ID, "b1.ics", "SUMMARY:B1"}, {a.ID, "old.ics", "SUMMARY:Changed"}, {a.ID, "a2.ics", "SUMMARY:A2"}} {
		o, err := s.Object(ctx(t), c.cal, c.uri)
		if err != nil || !strings.Contains(string(o.Data), c.in) || o.ETag != res[i].ETag {
			t.Fatalf("%s after PutObjects: %+v, %v", c.uri, o, err)
		}
	}
	if cs, err := s.Changes(ctx(t), a.ID, 1, 0); err != nil || len(cs.Changes) != 2 || cs.Revision != 3 {
		t.Fatalf("change log of a since 1 = %+v, %v; want old.ics and a2.ics at 3", cs, err)
	}
	if refs, err := s.InstancesInRange(ctx(t), a.ID, t0.Add(time.Hour), t0.Add(6*time.Hour)); err != nil || len(refs) != 2 {
		t.Fatalf("index of a = %+v, %v; want the moved old.ics and a2.ics", refs, err)
	}

	// A precondition failure or a UID conflict anywhere in the call: none
	// of it is written, and the transaction goes on.
	for _, bad := range []struct {
		req  *backend.PutObjectRequest
		want func(error) bool
	}{
		{&backend.PutObjectRequest{CalendarID: a.ID, Object: event("a2.ics", "uid-a2", "X", t0), IfNoneMatch: true},
			func(err error) bool { return errors.Is(err, backend.ErrPreconditionFailed) }},
		{&backend.PutObjectRequest{CalendarID: a.ID, Object: event("other.ics", "uid-a2", "X", t0)},
			func(err error) bool { var c *backend.UIDConflictError; return errors.As(err, &c) && c.URI == "a2.ics" }},
	} {
		err = s.Update(ctx(t), func(tx backend.TxStore) error {
			_, err := tx.PutObjects(ctx(t), []*backend.PutObjectRequest{
				{CalendarID: b.ID, Object: event("b2.ics", "uid-b2", "B2", t0)}, bad.req})
			if !bad.want(err) {
				return fmt.Errorf("PutObjects with a refused write: %v", err)
			}
			_, err = tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, Object: event("b3.ics", "uid-b3", "B3", t0)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Object(ctx(t), b.ID, "b2.ics"); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("a refused PutObjects kept part of itself: %v", err)
		}
		if _, err := s.Object(ctx(t), b.ID, "b3.ics"); err != nil {
			t.Fatalf("the write after a refused PutObjects was lost: %v", err)
		}
	}

	// One resource twice: the later write wins, both are logged.
	err = s.Update(ctx(t), func(tx backend.TxStore) error {
		_, err := tx.PutObjects(ctx(t), []*backend.PutObjectRequest{
			{CalendarID: b.ID, Object: event("twice.ics", "uid-twice", "First", t0)},
			{CalendarID: b.ID, Object: event("twice.ics", "uid-twice", "Second", t0)},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.Object(ctx(t), b.ID, "twice.ics"); err != nil || !strings.Contains(string(o.Data), "SUMMARY:Second") {
		t.Fatalf("twice.ics = %+v, %v; want the second write", o, err)
	}
}

// testCalendarsOf: CalendarsOf and ObjectsByUIDOf answer for several
// principals at once.
func testCalendarsOf(t *testing.T, s backend.Store) {
	p1, p2, p3 := mustUser(t, s, "rita"), mustUser(t, s, "sam"), mustUser(t, s, "tom")
	c1b, c2 := mustCalendar(t, s, p1, "b"), mustCalendar(t, s, p2, "cal")
	mustCalendar(t, s, p1, "a")
	mustCalendar(t, s, p3, "other")
	put(t, s, c1b.ID, event("m.ics", "uid-m", "M", t0))
	put(t, s, c2.ID, event("copy.ics", "uid-m", "M", t0))
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		cals, err := tx.CalendarsOf(ctx(t), []int64{p2.ID, p1.ID})
		if err != nil {
			return err
		}
		var got []string
		for _, c := range cals {
			got = append(got, fmt.Sprintf("%d/%s", c.PrincipalID, c.URI))
		}
		want := []string{fmt.Sprintf("%d/a", p1.ID), fmt.Sprintf("%d/b", p1.ID), fmt.Sprintf("%d/cal", p2.ID)}
		if p2.ID < p1.ID {
			want = []string{want[2], want[0], want[1]}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || cals[0].ID == 0 {
			return fmt.Errorf("CalendarsOf = %v, want %v", got, want)
		}
		if cals, err := tx.CalendarsOf(ctx(t), []int64{-1}); err != nil || len(cals) != 0 {
			return fmt.Errorf("CalendarsOf(unknown) = %+v, %v", cals, err)
		}
		objs, err := tx.ObjectsByUIDOf(ctx(t), []int64{p1.ID, p2.ID, p3.ID}, "uid-m")
		if err != nil || len(objs) != 2 {
			return fmt.Errorf("ObjectsByUIDOf three principals = %+v, %v; want 2", objs, err)
		}
		seen := map[int64]string{}
		for _, o := range objs {
			seen[o.CalendarID] = o.URI
		}
		if seen[c1b.ID] != "m.ics" || seen[c2.ID] != "copy.ics" || len(objs[0].Data) == 0 {
			return fmt.Errorf("ObjectsByUIDOf found %v", seen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
