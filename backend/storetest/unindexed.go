package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// testUnindexedFrom: a long series is indexed over a window around the
// time of its write (backend.IndexObject); the store finds it for a query
// that starts before that window (ListOptions.UnindexedFrom, free-busy),
// and a re-index moves the window it records.
func testUnindexedFrom(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "uma")
	c := mustCalendar(t, s, p, "cal")
	from := t0.AddDate(-1, 0, 0)
	long := event("long.ics", "uid-long", "Daily since 2000", from)
	long.Index.Start = time.Date(2000, 1, 3, 9, 0, 0, 0, time.UTC)
	long.Index.FirstStart, long.Index.IndexedFrom = long.Index.Start, from
	long.Index.LastEnd, long.Index.IndexedUntil = backend.MaxTime, t0.AddDate(5, 0, 0)
	put(t, s, c.ID, long)
	single := event("single.ics", "uid-single", "Old single", time.Date(2001, 5, 1, 9, 0, 0, 0, time.UTC))
	single.Index.IndexedFrom, single.Index.IndexedUntil = single.Index.FirstStart, single.Index.LastEnd
	put(t, s, c.ID, single)

	list := func(lo, hi time.Time) []string {
		objs, err := s.ListObjects(ctx(t), c.ID, &backend.ListOptions{Components: []string{"VEVENT"}, Unindexed: hi, UnindexedFrom: lo})
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, o := range objs {
			uris = append(uris, o.URI)
		}
		return uris
	}
	if got := list(from, t0); len(got) != 0 {
		t.Fatalf("unindexed in the window = %v, want none", got)
	}
	if got := list(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)); !reflect.DeepEqual(got, []string{"long.ics"}) {
		t.Fatalf("unindexed in 2001 = %v, want the series indexed from %v", got, from)
	}
	if got, _ := s.Object(ctx(t), c.ID, "long.ics"); !got.Index.IndexedFrom.Equal(from) {
		t.Fatalf("IndexedFrom = %v, want %v", got.Index.IndexedFrom, from)
	}
	fb, err := s.FreeBusy(ctx(t), []int64{c.ID}, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.Objects) != 1 || fb.Objects[0].URI != "long.ics" || len(fb.Periods) != 1 {
		t.Fatalf("free-busy in 2001: objects %v, periods %v; want long.ics to read and the indexed single", fb.Objects, fb.Periods)
	}

	// A re-index records its own window.
	cur, _ := s.Object(ctx(t), c.ID, "long.ics")
	idx := cur.Index
	idx.IndexedFrom = time.Date(2000, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := s.ReplaceInstances(ctx(t), c.ID, "long.ics", cur.ETag, &idx, long.Instances); err != nil {
		t.Fatal(err)
	}
	if got := list(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)); len(got) != 0 {
		t.Fatalf("unindexed in 2001 after a re-index from 2000 = %v, want none", got)
	}
}
