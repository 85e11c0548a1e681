package storetest

import (
	"reflect"
	"testing"

	"github.com/kalends/kalends/backend"
)

// homeChanges reads p's home change log after since, failing the test on
// an error.
func homeChanges(t *testing.T, s backend.Store, p *backend.Principal, since int64, objects bool) *backend.HomeChangeSet {
	t.Helper()
	cs, err := s.HomeChanges(ctx(t), p.ID, backend.HomeChangesQuery{Since: since, Objects: objects})
	if err != nil {
		t.Fatalf("HomeChanges(%d): %v", since, err)
	}
	return cs
}

// homeRevision is HomeRevision, failing the test on an error.
func homeRevision(t *testing.T, s backend.Store, p *backend.Principal) int64 {
	t.Helper()
	rev, err := s.HomeRevision(ctx(t), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// entries lists a change set's entries without their revisions.
func entries(cs *backend.HomeChangeSet) []backend.HomeChange {
	out := make([]backend.HomeChange, len(cs.Changes))
	for i, c := range cs.Changes {
		c.Revision = 0
		out[i] = c
	}
	return out
}

func wantHomeChanges(t *testing.T, what string, cs *backend.HomeChangeSet, want ...backend.HomeChange) {
	t.Helper()
	if got := entries(cs); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Fatalf("%s: changes %+v, want %+v", what, got, want)
	}
	for i := 1; i < len(cs.Changes); i++ {
		if cs.Changes[i].Revision < cs.Changes[i-1].Revision {
			t.Fatalf("%s: changes out of revision order: %+v", what, cs.Changes)
		}
	}
}

func testHomeChangeLog(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "hana")
	if rev := homeRevision(t, s, p); rev != 0 {
		t.Fatalf("revision of an untouched home = %d", rev)
	}
	a := mustCalendar(t, s, p, "a")
	b := mustCalendar(t, s, p, "b")
	start := homeRevision(t, s, p)
	wantHomeChanges(t, "after creating two collections", homeChanges(t, s, p, 0, true),
		backend.HomeChange{Collection: "a"}, backend.HomeChange{Collection: "b"})

	// A member written: its collection is reported (its getctag and
	// sync-token changed), and at depth the member too, at one revision.
	put(t, s, a.ID, event("x.ics", "uid-x", "X", t0))
	cs := homeChanges(t, s, p, start, true)
	wantHomeChanges(t, "after a write", cs, backend.HomeChange{Collection: "a"}, backend.HomeChange{Collection: "a", Object: "x.ics"})
	if cs.Revision <= start || cs.Changes[0].Revision != cs.Revision || cs.Changes[1].Revision != cs.Revision {
		t.Fatalf("a write's changes = %+v, want all at the new revision above %d", cs, start)
	}
	afterPut := cs.Revision
	wantHomeChanges(t, "sync-level 1", homeChanges(t, s, p, start, false), backend.HomeChange{Collection: "a"})

	// A PROPPATCH changes the home, not the collection's own revision.
	name := "Renamed"
	updated, err := s.UpdateCalendar(ctx(t), b.ID, &backend.CalendarUpdate{DisplayName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Revision != b.Revision {
		t.Fatalf("a property change bumped the collection's revision %d → %d", b.Revision, updated.Revision)
	}
	wantHomeChanges(t, "after a PROPPATCH", homeChanges(t, s, p, afterPut, true), backend.HomeChange{Collection: "b"})

	// A deletion of a member, and of a collection.
	if _, err := s.DeleteObject(ctx(t), a.ID, "x.ics", ""); err != nil {
		t.Fatal(err)
	}
	put(t, s, b.ID, event("y.ics", "uid-y", "Y", t0))
	if err := s.DeleteCalendar(ctx(t), b.ID); err != nil {
		t.Fatal(err)
	}
	wantHomeChanges(t, "after deletions", homeChanges(t, s, p, afterPut, true),
		backend.HomeChange{Collection: "a"}, backend.HomeChange{Collection: "a", Object: "x.ics", Deleted: true},
		backend.HomeChange{Collection: "b", Deleted: true})

	// A token from before all of it still works: the latest change of each.
	wantHomeChanges(t, "from the first token", homeChanges(t, s, p, start, true),
		backend.HomeChange{Collection: "a"}, backend.HomeChange{Collection: "a", Object: "x.ics", Deleted: true},
		backend.HomeChange{Collection: "b", Deleted: true})

	// A collection created again under a deleted one's URI is present.
	now := homeRevision(t, s, p)
	mustCalendar(t, s, p, "b")
	wantHomeChanges(t, "after re-creating b", homeChanges(t, s, p, now, true), backend.HomeChange{Collection: "b"})

	// Nothing since the current revision; a revision from the future and
	// an unknown principal are refused.
	now = homeRevision(t, s, p)
	if cs := homeChanges(t, s, p, now, true); len(cs.Changes) != 0 || cs.Revision != now || cs.Truncated {
		t.Fatalf("HomeChanges(current) = %+v", cs)
	}
	_, err = s.HomeChanges(ctx(t), p.ID, backend.HomeChangesQuery{Since: now + 1})
	wantErr(t, "HomeChanges(future revision)", err, backend.ErrInvalidSyncToken)
	_, err = s.HomeChanges(ctx(t), 1<<40, backend.HomeChangesQuery{})
	wantErr(t, "HomeChanges(unknown principal)", err, backend.ErrNotFound)
	_, err = s.HomeRevision(ctx(t), 1<<40)
	wantErr(t, "HomeRevision(unknown principal)", err, backend.ErrNotFound)

	// Another home's changes do not show here.
	q := mustUser(t, s, "ines")
	qc := mustCalendar(t, s, q, "a")
	put(t, s, qc.ID, event("z.ics", "uid-z", "Z", t0))
	wantHomeChanges(t, "after another home's writes", homeChanges(t, s, p, now, true))
}

// testHomeChangeWrites checks that every kind of object write reaches the
// home's change log: a transaction's batch across two homes, and a move
// between collections.
func testHomeChangeWrites(t *testing.T, s backend.Store) {
	p, q := mustUser(t, s, "jana"), mustUser(t, s, "karl")
	pc, pInbox := mustCalendar(t, s, p, "cal"), mustCalendar(t, s, p, "other")
	qc := mustCalendar(t, s, q, "cal")
	pStart, qStart := homeRevision(t, s, p), homeRevision(t, s, q)
	err := s.Update(ctx(t), func(tx backend.TxStore) error {
		_, err := tx.PutObjects(ctx(t), []*backend.PutObjectRequest{
			{CalendarID: qc.ID, Object: event("m.ics", "uid-m", "M", t0)},
			{CalendarID: pc.ID, Object: event("m.ics", "uid-m", "M", t0)},
			{CalendarID: pInbox.ID, Object: event("n.ics", "uid-n", "N", t0)},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantHomeChanges(t, "a batch, first home", homeChanges(t, s, p, pStart, true),
		backend.HomeChange{Collection: "cal"}, backend.HomeChange{Collection: "cal", Object: "m.ics"},
		backend.HomeChange{Collection: "other"}, backend.HomeChange{Collection: "other", Object: "n.ics"})
	wantHomeChanges(t, "a batch, second home", homeChanges(t, s, q, qStart, true),
		backend.HomeChange{Collection: "cal"}, backend.HomeChange{Collection: "cal", Object: "m.ics"})

	before := homeRevision(t, s, p)
	moved := event("moved.ics", "uid-m", "M", t0)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: pInbox.ID, Object: moved,
		MoveFrom: &backend.ObjectRef{CalendarID: pc.ID, URI: "m.ics"}})
	if err != nil {
		t.Fatal(err)
	}
	cs := homeChanges(t, s, p, before, true)
	got := map[backend.HomeChange]bool{}
	for _, c := range entries(cs) {
		got[c] = true
	}
	for _, c := range []backend.HomeChange{{Collection: "cal"}, {Collection: "cal", Object: "m.ics", Deleted: true},
		{Collection: "other"}, {Collection: "other", Object: "moved.ics"}} {
		if !got[c] {
			t.Fatalf("a move's changes = %+v, missing %+v", cs.Changes, c)
		}
	}
}

func testHomeChangeLimit(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "lena")
	a, b := mustCalendar(t, s, p, "a"), mustCalendar(t, s, p, "b")
	start := homeRevision(t, s, p)
	for i, uri := range []string{"1.ics", "2.ics", "3.ics", "4.ics", "5.ics"} {
		c := a
		if i%2 == 1 {
			c = b
		}
		put(t, s, c.ID, event(uri, "uid-"+uri, "E", t0))
	}
	// The last write of each collection is two changes at one revision
	// (the collection and the object): a page never ends between them (a
	// revision seen is never seen again), and a limit of one still returns
	// a whole revision.
	for _, limit := range []int{1, 3, 4} {
		seen := map[string]bool{}
		since := start
		for round := 0; ; round++ {
			cs, err := s.HomeChanges(ctx(t), p.ID, backend.HomeChangesQuery{Since: since, Objects: true, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs.Changes) > max(limit, 2) || (cs.Truncated && len(cs.Changes) == 0) {
				t.Fatalf("limit %d: page %+v", limit, cs)
			}
			for _, c := range cs.Changes {
				seen[c.Collection+"/"+c.Object] = true
				if c.Revision <= since {
					t.Fatalf("limit %d: a change at %d again after a page ending at %d: %+v", limit, c.Revision, since, cs.Changes)
				}
			}
			since = cs.Revision
			if !cs.Truncated {
				break
			}
			if round > 10 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
		}
		if len(seen) != 7 || since != homeRevision(t, s, p) {
			t.Fatalf("limit %d: paged changes %v ending at %d; want both collections and all 5 objects, ending at the home's revision",
				limit, seen, since)
		}
	}
}
