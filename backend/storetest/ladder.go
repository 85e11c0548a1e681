package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// testPreconditionLadder: the conditions of a write are checked in one
// order on every store (backend.CheckPut): the preconditions before the
// UID conflict, If-Schedule-Tag-Match on a missing or different tag, and
// a refused write changes nothing.
func testPreconditionLadder(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "lara")
	c := mustCalendar(t, s, p, "cal")
	a := event("a.ics", "uid-a", "A", t0)
	a.Index.ScheduleTag = `"tag-1"`
	first := put(t, s, c.ID, a)
	put(t, s, c.ID, event("b.ics", "uid-b", "B", t0))

	refused := []struct {
		what string
		req  *backend.PutObjectRequest
		want func(error) bool
	}{
		{"If-None-Match on an existing object whose UID another holds",
			&backend.PutObjectRequest{CalendarID: c.ID, IfNoneMatch: true, Object: event("a.ics", "uid-b", "X", t0)}, isPrecondition},
		{"If-Match on a missing object whose UID another holds",
			&backend.PutObjectRequest{CalendarID: c.ID, IfMatch: first.ETag, Object: event("n.ics", "uid-a", "X", t0)}, isPrecondition},
		{"If-Schedule-Tag-Match on a missing object",
			&backend.PutObjectRequest{CalendarID: c.ID, IfScheduleTagMatch: `"tag-1"`, Object: event("n.ics", "uid-n", "X", t0)}, isPrecondition},
		{"If-Schedule-Tag-Match on another tag",
			&backend.PutObjectRequest{CalendarID: c.ID, IfScheduleTagMatch: `"tag-0"`, Object: event("a.ics", "uid-a", "X", t0)}, isPrecondition},
		{"matching If-Match, but the UID is another object's",
			&backend.PutObjectRequest{CalendarID: c.ID, IfMatch: first.ETag, Object: event("a.ics", "uid-b", "X", t0)},
			func(err error) bool { var u *backend.UIDConflictError; return errors.As(err, &u) && u.URI == "b.ics" }},
		{"a missing calendar", &backend.PutObjectRequest{CalendarID: c.ID + 1000, Object: event("z.ics", "uid-z", "Z", t0)},
			func(err error) bool { return errors.Is(err, backend.ErrNotFound) }},
	}
	for _, r := range refused {
		_, err := s.PutObject(ctx(t), r.req)
		if !r.want(err) {
			t.Errorf("%s: got %v", r.what, err)
		}
	}
	if cs, err := s.Changes(ctx(t), c.ID, 0, 0); err != nil || cs.Revision != 2 {
		t.Fatalf("refused writes touched the change log: %+v, %v", cs, err)
	}
	wantErr(t, "ReplaceInstances with a stale ETag", s.ReplaceInstances(ctx(t), c.ID, "a.ics", `"stale"`, nil, nil), backend.ErrPreconditionFailed)
	wantErr(t, "ReplaceInstances of a missing object", s.ReplaceInstances(ctx(t), c.ID, "gone.ics", first.ETag, nil, nil), backend.ErrNotFound)
	_, err := s.DeleteObject(ctx(t), c.ID, "gone.ics", "")
	wantErr(t, "DeleteObject of a missing object", err, backend.ErrNotFound)

	// The matching schedule tag lets the write through.
	res, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfScheduleTagMatch: `"tag-1"`,
		Object: event("a.ics", "uid-a", "Second", t0)})
	if err != nil || res.Created {
		t.Fatalf("matching If-Schedule-Tag-Match = %+v, %v", res, err)
	}
}

func isPrecondition(err error) bool { return errors.Is(err, backend.ErrPreconditionFailed) }

// testMoveLadder: the decisions of a MOVE (PutObjectRequest.MoveFrom) on
// every store: onto itself, over an existing object, onto a destination
// whose condition fails or whose UID another object holds; a refused move
// inside a transaction leaves its source and the transaction usable.
func testMoveLadder(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "milo")
	a := mustCalendar(t, s, p, "a")
	b := mustCalendar(t, s, p, "b")
	x := put(t, s, a.ID, event("x.ics", "uid-x", "X", t0))

	// Onto itself: refused, nothing changes.
	_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: a.ID, Object: event("x.ics", "uid-x", "X", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "x.ics"}})
	wantErr(t, "move onto itself", err, backend.ErrBadDestination)
	if o, err := s.Object(ctx(t), a.ID, "x.ics"); err != nil || o.ETag != x.ETag {
		t.Fatalf("a move onto itself changed the object: %+v, %v", o, err)
	}

	// Over an existing object of the same UID (Overwrite: T): replaced,
	// not created.
	old := put(t, s, b.ID, event("y.ics", "uid-x", "Y", t0))
	res, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, IfMatch: old.ETag,
		Object: event("y.ics", "uid-x", "X", t0), MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "x.ics", IfMatch: x.ETag}})
	if err != nil || res.Created {
		t.Fatalf("move over an existing object = %+v, %v; want replaced", res, err)
	}
	if _, err := s.Object(ctx(t), a.ID, "x.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("source after a move over an existing object: %v", err)
	}
	if o, err := s.ObjectByUID(ctx(t), b.ID, "uid-x"); err != nil || o.URI != "y.ics" || !strings.Contains(string(o.Data), "SUMMARY:X") {
		t.Fatalf("destination after a move over an existing object: %+v, %v", o, err)
	}

	// Within one calendar over an object of another UID: refused (RFC
	// 4791 §5.3.2.1), naming the object whose UID would change; both stay.
	put(t, s, b.ID, event("z.ics", "uid-z", "Z", t0))
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, Object: event("z.ics", "uid-x", "X", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: b.ID, URI: "y.ics"}})
	if u := (*backend.UIDConflictError)(nil); !errors.As(err, &u) || u.URI != "z.ics" || !u.Changed {
		t.Fatalf("move within a calendar over another UID: got %v, want a UID conflict on z.ics", err)
	}
	if objs, _ := s.ListObjects(ctx(t), b.ID, nil); len(objs) != 2 {
		t.Fatalf("calendar b after the refused move: %+v", objs)
	}

	// Refused moves keep their source: the destination exists
	// (Overwrite: F), or its UID is held by another object there.
	put(t, s, a.ID, event("s.ics", "uid-s", "S", t0))
	put(t, s, b.ID, event("other.ics", "uid-s", "Other", t0))
	for _, bad := range []struct {
		what string
		req  *backend.PutObjectRequest
		want func(error) bool
	}{
		{"onto an existing object with If-None-Match", &backend.PutObjectRequest{CalendarID: b.ID, IfNoneMatch: true,
			Object: event("z.ics", "uid-s", "S", t0), MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "s.ics"}}, isPrecondition},
		{"into a calendar where another object holds the UID", &backend.PutObjectRequest{CalendarID: b.ID,
			Object: event("new.ics", "uid-s", "S", t0), MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "s.ics"}},
			func(err error) bool {
				var u *backend.UIDConflictError
				return errors.As(err, &u) && u.URI == "other.ics"
			}},
	} {
		_, err := s.PutObject(ctx(t), bad.req)
		if !bad.want(err) {
			t.Fatalf("move %s: got %v", bad.what, err)
		}
		// The same inside a transaction that goes on and commits.
		err = s.Update(ctx(t), func(tx backend.TxStore) error {
			if _, err := tx.PutObject(ctx(t), bad.req); !bad.want(err) {
				return fmt.Errorf("move %s in a transaction: got %v", bad.what, err)
			}
			_, err := tx.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: a.ID, Object: event("after.ics", "uid-after", "After", t0)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Object(ctx(t), a.ID, "s.ics"); err != nil {
			t.Fatalf("a refused move %s lost its source: %v", bad.what, err)
		}
		if _, err := s.Object(ctx(t), a.ID, "after.ics"); err != nil {
			t.Fatalf("the write after a refused move %s was lost: %v", bad.what, err)
		}
	}
}

// testTxReindex: a calendar's settings change and its objects are read
// and re-indexed in one transaction (a change of its time zone), which
// commits whole or, failing, leaves nothing; a refused step inside it can
// be handled and the rest still commits.
func testTxReindex(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "nadia")
	c := mustCalendar(t, s, p, "cal")
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	put(t, s, c.ID, event("b.ics", "uid-b", "B", t0.Add(24*time.Hour)))
	tz := "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
	shift := 2 * time.Hour // the new index: every occurrence two hours later

	reindex := func(tx backend.TxStore, zone string) error {
		cal, err := tx.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Timezone: &zone})
		if err != nil || cal.Timezone != zone {
			return fmt.Errorf("UpdateCalendar in a transaction = %+v, %v", cal, err)
		}
		if got, err := tx.Calendar(ctx(t), p.ID, "cal"); err != nil || got.Timezone != zone {
			return fmt.Errorf("the transaction does not read its own UpdateCalendar: %+v, %v", got, err)
		}
		objs, err := tx.ListObjects(ctx(t), c.ID, &backend.ListOptions{WithData: true})
		if err != nil || len(objs) != 2 {
			return fmt.Errorf("ListObjects in a transaction = %d objects, %v", len(objs), err)
		}
		for _, o := range objs {
			if len(o.Data) == 0 {
				return fmt.Errorf("ListObjects(WithData) in a transaction: %s without data", o.URI)
			}
			start := o.Index.Start.Add(shift)
			insts := []backend.Instance{{Start: start, End: start.Add(time.Hour), BusyType: "BUSY", Status: "CONFIRMED"}}
			if err := tx.ReplaceInstances(ctx(t), c.ID, o.URI, o.ETag, nil, insts); err != nil {
				return fmt.Errorf("ReplaceInstances(%s) in a transaction: %v", o.URI, err)
			}
		}
		// Refused steps, handled: the transaction goes on.
		if err := tx.ReplaceInstances(ctx(t), c.ID, "a.ics", `"stale"`, nil, nil); !errors.Is(err, backend.ErrPreconditionFailed) {
			return fmt.Errorf("ReplaceInstances with a stale ETag in a transaction: %v", err)
		}
		if err := tx.ReplaceInstances(ctx(t), c.ID, "gone.ics", `"x"`, nil, nil); !errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("ReplaceInstances of a missing object in a transaction: %v", err)
		}
		if _, err := tx.UpdateCalendar(ctx(t), c.ID+1000, &backend.CalendarUpdate{Timezone: &zone}); !errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("UpdateCalendar of a missing calendar in a transaction: %v", err)
		}
		return nil
	}

	// A failing transaction leaves the zone and the index as they were.
	boom := errors.New("boom")
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		if err := reindex(tx, tz); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	if got, _ := s.Calendar(ctx(t), p.ID, "cal"); got.Timezone != "" {
		t.Fatalf("a failed transaction kept its UpdateCalendar: %q", got.Timezone)
	}
	if refs, _ := s.InstancesInRange(ctx(t), c.ID, t0, t0.Add(time.Hour)); len(refs) != 1 || refs[0].URI != "a.ics" {
		t.Fatalf("a failed transaction kept its ReplaceInstances: %+v", refs)
	}

	if err := s.Update(ctx(t), func(tx backend.TxStore) error { return reindex(tx, tz) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Calendar(ctx(t), p.ID, "cal"); got.Timezone != tz {
		t.Fatalf("time zone after the transaction: %q", got.Timezone)
	}
	if refs, _ := s.InstancesInRange(ctx(t), c.ID, t0, t0.Add(time.Hour)); len(refs) != 0 {
		t.Fatalf("old index still answers: %+v", refs)
	}
	if refs, _ := s.InstancesInRange(ctx(t), c.ID, t0.Add(shift), t0.Add(shift+time.Hour)); len(refs) != 1 || refs[0].URI != "a.ics" {
		t.Fatalf("new index of a.ics: %+v", refs)
	}
}

// testStoreObjectsRole: the methods the Objects role shares with TxStore
// work on the store itself, each in a transaction of its own.
func testStoreObjectsRole(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "otto")
	q := mustUser(t, s, "pia")
	a := mustCalendar(t, s, p, "a")
	b := mustCalendar(t, s, q, "b")
	var objects backend.Objects = s
	res, err := objects.PutObjects(ctx(t), []*backend.PutObjectRequest{
		{CalendarID: a.ID, Object: event("m.ics", "uid-m", "M", t0)},
		{CalendarID: b.ID, Object: event("m.ics", "uid-m", "M", t0)},
	})
	if err != nil || len(res) != 2 || !res[0].Created || !res[1].Created {
		t.Fatalf("Store.PutObjects = %+v, %v", res, err)
	}
	if objs, err := objects.ObjectsByUID(ctx(t), p.ID, "uid-m"); err != nil || len(objs) != 1 || objs[0].CalendarID != a.ID || len(objs[0].Data) == 0 {
		t.Fatalf("Store.ObjectsByUID = %+v, %v", objs, err)
	}
	if objs, err := objects.ObjectsByUIDOf(ctx(t), []int64{q.ID, p.ID}, "uid-m"); err != nil || len(objs) != 2 {
		t.Fatalf("Store.ObjectsByUIDOf = %+v, %v", objs, err)
	}
	// A refusal in the batch leaves nothing of it.
	_, err = objects.PutObjects(ctx(t), []*backend.PutObjectRequest{
		{CalendarID: a.ID, Object: event("n.ics", "uid-n", "N", t0)},
		{CalendarID: a.ID, IfNoneMatch: true, Object: event("m.ics", "uid-m", "M", t0)},
	})
	wantErr(t, "Store.PutObjects with a refused write", err, backend.ErrPreconditionFailed)
	if _, err := s.Object(ctx(t), a.ID, "n.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a refused Store.PutObjects kept part of itself: %v", err)
	}
}

// testDelegationRules: the order of the delegation rules
// (backend.ValidateDelegations) on every store, and what a refused
// ReplaceDelegates leaves.
func testDelegationRules(t *testing.T, s backend.Store) {
	c := ctx(t)
	alice, bob, carol := mustUser(t, s, "alice"), mustUser(t, s, "bob"), mustUser(t, s, "carol")
	const missing = 1 << 40
	// Self-delegation is told before a missing principal.
	err := s.ReplaceDelegates(c, alice.ID, true, []int64{missing, alice.ID})
	wantErr(t, "ReplaceDelegates listing a missing principal and the principal itself", err, backend.ErrSelfDelegation)
	err = s.SetDelegate(c, backend.Delegation{PrincipalID: missing, DelegateID: alice.ID})
	wantErr(t, "SetDelegate for a missing principal", err, backend.ErrNotFound)
	err = s.ReplaceDelegates(c, missing, false, []int64{alice.ID})
	wantErr(t, "ReplaceDelegates of a missing principal", err, backend.ErrNotFound)

	// A delegate listed twice is granted once.
	if err := s.ReplaceDelegates(c, alice.ID, false, []int64{bob.ID, carol.ID, bob.ID}); err != nil {
		t.Fatalf("ReplaceDelegates with a delegate listed twice: %v", err)
	}
	want := []backend.Delegation{{PrincipalID: alice.ID, DelegateID: bob.ID}, {PrincipalID: alice.ID, DelegateID: carol.ID}}
	if got, err := s.Delegates(c, alice.ID); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Delegates(alice) = %+v, %v; want %+v", got, err, want)
	}
	// The other kind's set moves bob and leaves carol.
	if err := s.ReplaceDelegates(c, alice.ID, true, []int64{bob.ID}); err != nil {
		t.Fatal(err)
	}
	want = []backend.Delegation{{PrincipalID: alice.ID, DelegateID: bob.ID, Write: true}, {PrincipalID: alice.ID, DelegateID: carol.ID}}
	if got, err := s.Delegates(c, alice.ID); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Delegates(alice) = %+v, %v; want %+v", got, err, want)
	}
	// A refused replacement changes nothing.
	err = s.ReplaceDelegates(c, alice.ID, false, []int64{missing})
	wantErr(t, "ReplaceDelegates with a missing delegate", err, backend.ErrNotFound)
	if got, err := s.Delegates(c, alice.ID); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("a refused ReplaceDelegates changed the grants: %+v, %v; want %+v", got, err, want)
	}
}
