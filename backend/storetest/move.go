package storetest

import (
	"errors"
	"testing"

	"github.com/kalends/kalends/backend"
)

func testMove(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "rupert")
	a := mustCalendar(t, s, p, "a")
	b := mustCalendar(t, s, p, "b")
	first := put(t, s, a.ID, event("x.ics", "uid-x", "X", t0))

	// Rename within a calendar: the UID moves with the resource.
	res, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: a.ID, Object: event("y.ics", "uid-x", "X", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "x.ics", IfMatch: first.ETag}})
	if err != nil || !res.Created {
		t.Fatalf("rename = %+v, %v", res, err)
	}
	if _, err := s.Object(ctx(t), a.ID, "x.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("source still there after a move")
	}
	cs, _ := s.Changes(ctx(t), a.ID, 1, 0)
	if len(cs.Changes) != 2 || !cs.Changes[0].Deleted || cs.Changes[0].URI != "x.ics" || cs.Changes[1].URI != "y.ics" {
		t.Fatalf("changes after rename = %+v", cs.Changes)
	}

	// Across calendars: both change logs record it.
	bRev := b.Revision
	if _, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, Object: event("y.ics", "uid-x", "X", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "y.ics"}}); err != nil {
		t.Fatal(err)
	}
	if objs, _ := s.ListObjects(ctx(t), a.ID, nil); len(objs) != 0 {
		t.Fatalf("source calendar not empty after move: %v", objs)
	}
	if cal, _ := s.Calendar(ctx(t), p.ID, "b"); cal.Revision != bRev+1 {
		t.Fatalf("destination revision %d, want %d", cal.Revision, bRev+1)
	}
	cs, _ = s.Changes(ctx(t), a.ID, 0, 0)
	if last := cs.Changes[len(cs.Changes)-1]; last.URI != "y.ics" || !last.Deleted {
		t.Fatalf("source change log lacks the deletion: %+v", cs.Changes)
	}

	// A failed condition on the source moves nothing.
	put(t, s, a.ID, event("z.ics", "uid-z", "Z", t0))
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, Object: event("z.ics", "uid-z", "Z", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "z.ics", IfMatch: `"stale"`}})
	wantErr(t, "move with a stale source ETag", err, backend.ErrPreconditionFailed)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: b.ID, Object: event("q.ics", "uid-q", "Q", t0),
		MoveFrom: &backend.ObjectRef{CalendarID: a.ID, URI: "nope.ics"}})
	wantErr(t, "move of a missing source", err, backend.ErrNotFound)
	if _, err := s.Object(ctx(t), a.ID, "z.ics"); err != nil {
		t.Fatal("failed move removed the source")
	}
	if _, err := s.Object(ctx(t), b.ID, "z.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("failed move created the destination")
	}
}
