package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

func testChangeLog(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "mallory")
	c := mustCalendar(t, s, p, "cal")
	empty, err := s.Changes(ctx(t), c.ID, 0, 0)
	if err != nil || empty.Revision != 0 || len(empty.Changes) != 0 {
		t.Fatalf("Changes on an empty calendar = %+v, %v", empty, err)
	}
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))                    // 1
	put(t, s, c.ID, event("b.ics", "uid-b", "B", t0))                    // 2
	put(t, s, c.ID, event("a.ics", "uid-a", "A2", t0))                   // 3
	if _, err := s.DeleteObject(ctx(t), c.ID, "b.ics", ""); err != nil { // 4
		t.Fatal(err)
	}
	put(t, s, c.ID, event("c.ics", "uid-c", "C", t0)) // 5

	cs, err := s.Changes(ctx(t), c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.Change{{URI: "a.ics", Revision: 3}, {URI: "b.ics", Revision: 4, Deleted: true}, {URI: "c.ics", Revision: 5}}
	if cs.Revision != 5 || cs.Truncated || !reflect.DeepEqual(cs.Changes, want) {
		t.Fatalf("Changes(0) = %+v, want %v at revision 5", cs, want)
	}
	cs, _ = s.Changes(ctx(t), c.ID, 3, 0)
	want = []backend.Change{{URI: "b.ics", Revision: 4, Deleted: true}, {URI: "c.ics", Revision: 5}}
	if !reflect.DeepEqual(cs.Changes, want) {
		t.Fatalf("Changes(3) = %+v, want %v", cs.Changes, want)
	}
	cs, _ = s.Changes(ctx(t), c.ID, 5, 0)
	if len(cs.Changes) != 0 || cs.Revision != 5 {
		t.Fatalf("Changes(current) = %+v", cs)
	}
	_, err = s.Changes(ctx(t), c.ID, 6, 0)
	wantErr(t, "Changes(future revision)", err, backend.ErrInvalidSyncToken)
	_, err = s.Changes(ctx(t), 1<<40, 0, 0)
	wantErr(t, "Changes(unknown calendar)", err, backend.ErrNotFound)

	// A re-created object after a deletion is reported as present.
	put(t, s, c.ID, event("b.ics", "uid-b", "B again", t0)) // 6
	cs, _ = s.Changes(ctx(t), c.ID, 3, 0)
	want = []backend.Change{{URI: "c.ics", Revision: 5}, {URI: "b.ics", Revision: 6}}
	if !reflect.DeepEqual(cs.Changes, want) {
		t.Fatalf("Changes after re-create = %+v, want %v", cs.Changes, want)
	}
	// Changes in another calendar do not show here.
	other := mustCalendar(t, s, p, "other")
	put(t, s, other.ID, event("x.ics", "uid-x", "X", t0))
	cs, _ = s.Changes(ctx(t), c.ID, 6, 0)
	if len(cs.Changes) != 0 {
		t.Fatalf("another calendar's change leaked: %+v", cs)
	}
}

func testChangeLimit(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "nina")
	c := mustCalendar(t, s, p, "cal")
	for i := 0; i < 7; i++ {
		put(t, s, c.ID, event(fmt.Sprintf("%d.ics", i), fmt.Sprintf("uid-%d", i), "E", t0))
	}
	var seen []string
	since := int64(0)
	for round := 0; ; round++ {
		cs, err := s.Changes(ctx(t), c.ID, since, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.Changes) > 3 {
			t.Fatalf("limit 3 returned %d changes", len(cs.Changes))
		}
		for _, ch := range cs.Changes {
			seen = append(seen, ch.URI)
		}
		since = cs.Revision
		if !cs.Truncated {
			break
		}
		if round > 5 {
			t.Fatal("paging through changes does not end")
		}
	}
	if len(seen) != 7 || since != 7 {
		t.Fatalf("paged changes = %v ending at %d; want all 7 once, ending at 7", seen, since)
	}
}

func testInstances(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "oscar")
	c := mustCalendar(t, s, p, "cal")
	weekly := event("w.ics", "uid-w", "Weekly", t0)
	weekly.Instances = nil
	for i := 0; i < 10; i++ {
		st := t0.AddDate(0, 0, 7*i)
		weekly.Instances = append(weekly.Instances, backend.Instance{Start: st, End: st.Add(time.Hour), RecurrenceID: st, BusyType: "BUSY"})
	}
	weekly.Index.LastEnd = backend.MaxTime
	weekly.Index.IndexedUntil = t0.AddDate(0, 0, 70)
	put(t, s, c.ID, weekly)
	single := event("single.ics", "uid-s", "Single", t0.AddDate(0, 0, 3))
	single.Index.IndexedUntil = single.Index.LastEnd
	put(t, s, c.ID, single)
	todo := event("todo.ics", "uid-t", "Task", t0)
	todo.Component, todo.Index.Start, todo.Index.End, todo.Instances = "VTODO", time.Time{}, time.Time{}, nil
	put(t, s, c.ID, todo)

	// The index can tell which objects it does not fully hold.
	list := func(o *backend.ListOptions) []string {
		objs, err := s.ListObjects(ctx(t), c.ID, o)
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, o := range objs {
			uris = append(uris, o.URI)
		}
		return uris
	}
	if got := list(&backend.ListOptions{Unindexed: t0.AddDate(0, 0, 14)}); !reflect.DeepEqual(got, []string{"todo.ics"}) {
		t.Fatalf("unindexed before week 2 = %v, want only the task without dates", got)
	}
	if got := list(&backend.ListOptions{Unindexed: t0.AddDate(1, 0, 0)}); !reflect.DeepEqual(got, []string{"todo.ics", "w.ics"}) {
		t.Fatalf("unindexed before next year = %v, want the task and the series past its index", got)
	}
	if got := list(&backend.ListOptions{Components: []string{"VTODO"}}); !reflect.DeepEqual(got, []string{"todo.ics"}) {
		t.Fatalf("components filter = %v", got)
	}
	if got, _ := s.Object(ctx(t), c.ID, "w.ics"); !got.Index.IndexedUntil.Equal(weekly.Index.IndexedUntil) {
		t.Fatalf("IndexedUntil = %v", got.Index.IndexedUntil)
	}

	week := func(n int) (time.Time, time.Time) {
		start := t0.AddDate(0, 0, 7*n).Add(-time.Hour)
		return start, start.AddDate(0, 0, 7)
	}
	a, b := week(0)
	refs, err := s.InstancesInRange(ctx(t), c.ID, a, b)
	if err != nil || len(refs) != 2 {
		t.Fatalf("week 0 = %+v, %v; want the weekly and the single event", refs, err)
	}
	a, b = week(5)
	refs, _ = s.InstancesInRange(ctx(t), c.ID, a, b)
	if len(refs) != 1 || refs[0].URI != "w.ics" || !refs[0].Start.Equal(t0.AddDate(0, 0, 35)) ||
		!refs[0].RecurrenceID.Equal(refs[0].Start) || refs[0].BusyType != "BUSY" || refs[0].Component != "VEVENT" ||
		refs[0].ETag != backend.ETag(weekly.Data) || refs[0].Size != int64(len(weekly.Data)) || refs[0].ModifiedAt.IsZero() {
		t.Fatalf("week 5 = %+v", refs)
	}
	// Ranges are half-open: an event ending exactly at start does not overlap.
	refs, _ = s.InstancesInRange(ctx(t), c.ID, t0.Add(time.Hour), t0.Add(2*time.Hour))
	if len(refs) != 0 {
		t.Fatalf("touching range overlapped: %+v", refs)
	}
	// Rewriting replaces the instances; deleting removes them.
	put(t, s, c.ID, event("w.ics", "uid-w", "Now single", t0))
	a, b = week(5)
	if refs, _ = s.InstancesInRange(ctx(t), c.ID, a, b); len(refs) != 0 {
		t.Fatalf("stale instances after rewrite: %+v", refs)
	}
	// Re-indexing replaces the occurrences of an unchanged object only.
	moved := []backend.Instance{{Start: t0.AddDate(0, 0, 35), End: t0.AddDate(0, 0, 35).Add(time.Hour), BusyType: "BUSY"}}
	cur, _ := s.Object(ctx(t), c.ID, "w.ics")
	wantErr(t, "ReplaceInstances with a stale ETag", s.ReplaceInstances(ctx(t), c.ID, "w.ics", `"stale"`, nil, moved), backend.ErrPreconditionFailed)
	wantErr(t, "ReplaceInstances of a missing object", s.ReplaceInstances(ctx(t), c.ID, "zz.ics", cur.ETag, nil, moved), backend.ErrNotFound)
	if err := s.ReplaceInstances(ctx(t), c.ID, "w.ics", cur.ETag, nil, moved); err != nil {
		t.Fatal(err)
	}
	if refs, _ = s.InstancesInRange(ctx(t), c.ID, a, b); len(refs) != 1 || refs[0].URI != "w.ics" {
		t.Fatalf("replaced instances not found: %+v", refs)
	}
	if after, _ := s.Object(ctx(t), c.ID, "w.ics"); after.ETag != cur.ETag {
		t.Fatal("re-indexing changed the object")
	}
	back := []backend.Instance{{Start: t0, End: t0.Add(time.Hour), BusyType: "BUSY"}}
	if err := s.ReplaceInstances(ctx(t), c.ID, "w.ics", cur.ETag, nil, back); err != nil {
		t.Fatal(err)
	}
	a, b = week(0)
	if _, err := s.DeleteObject(ctx(t), c.ID, "single.ics", ""); err != nil {
		t.Fatal(err)
	}
	a, b = week(0)
	if refs, _ = s.InstancesInRange(ctx(t), c.ID, a, b); len(refs) != 1 || refs[0].URI != "w.ics" {
		t.Fatalf("instances after delete = %+v", refs)
	}
}
