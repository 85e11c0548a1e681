package storetest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

func testObjects(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "ivan")
	c := mustCalendar(t, s, p, "cal")
	o := event("a.ics", "uid-a", "First", t0)
	o.Index.Organizer = "ivan@example.com"
	o.Index.Sequence = 2
	o.Index.ScheduleTag = `"st-1"`
	res := put(t, s, c.ID, o)
	if !res.Created || res.ETag != backend.ETag(o.Data) || res.Revision != 1 {
		t.Fatalf("create = %+v, want created, ETag of the bytes, revision 1", res)
	}
	got, err := s.Object(ctx(t), c.ID, "a.ics")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, o.Data) || got.ETag != res.ETag || got.UID != "uid-a" || got.Component != "VEVENT" ||
		got.Size != int64(len(o.Data)) || got.CreatedAt.IsZero() || got.ModifiedAt.IsZero() {
		t.Fatalf("Object = %+v", got)
	}
	ix := got.Index
	if !ix.Start.Equal(t0) || !ix.End.Equal(t0.Add(time.Hour)) || ix.Organizer != "ivan@example.com" ||
		ix.Sequence != 2 || ix.ScheduleTag != `"st-1"` || ix.Status != "CONFIRMED" {
		t.Fatalf("Object index = %+v", ix)
	}

	// Same bytes again: same ETag; other bytes: another ETag.
	res2 := put(t, s, c.ID, event("a.ics", "uid-a", "First", t0))
	if res2.Created || res2.ETag != res.ETag || res2.Revision != 2 {
		t.Fatalf("rewrite same bytes = %+v", res2)
	}
	res3 := put(t, s, c.ID, event("a.ics", "uid-a", "Second", t0))
	if res3.ETag == res.ETag {
		t.Fatal("ETag did not change with the content")
	}
	got, _ = s.Object(ctx(t), c.ID, "a.ics")
	if !bytes.Contains(got.Data, []byte("SUMMARY:Second")) || got.ETag != res3.ETag {
		t.Fatalf("update not stored: %s", got.Data)
	}
	byUID, err := s.ObjectByUID(ctx(t), c.ID, "uid-a")
	if err != nil || byUID.URI != "a.ics" {
		t.Fatalf("ObjectByUID = %+v, %v", byUID, err)
	}
	_, err = s.ObjectByUID(ctx(t), c.ID, "uid-zzz")
	wantErr(t, "ObjectByUID(unknown)", err, backend.ErrNotFound)

	put(t, s, c.ID, event("b.ics", "uid-b", "B", t0))
	put(t, s, c.ID, event("c d.ics", "uid-c", "C", t0))
	all, err := s.ListObjects(ctx(t), c.ID, nil)
	if err != nil || len(all) != 3 || all[0].URI != "a.ics" || all[2].URI != "c d.ics" {
		t.Fatalf("ListObjects = %v, %v", all, err)
	}
	if all[0].Data != nil || all[0].ETag == "" || all[0].Size == 0 {
		t.Fatalf("ListObjects without data: %+v", all[0])
	}
	some, err := s.ListObjects(ctx(t), c.ID, &backend.ListOptions{URIs: []string{"c d.ics", "missing.ics", "a.ics"}, WithData: true})
	if err != nil || len(some) != 2 || some[0].URI != "a.ics" || some[1].Data == nil {
		t.Fatalf("ListObjects(URIs) = %v, %v", some, err)
	}

	rev, err := s.DeleteObject(ctx(t), c.ID, "b.ics", "")
	if err != nil || rev != 6 {
		t.Fatalf("DeleteObject = %d, %v; want revision 6", rev, err)
	}
	_, err = s.Object(ctx(t), c.ID, "b.ics")
	wantErr(t, "deleted object", err, backend.ErrNotFound)
	_, err = s.DeleteObject(ctx(t), c.ID, "b.ics", "")
	wantErr(t, "delete twice", err, backend.ErrNotFound)
	// The UID of a deleted object may be used again.
	put(t, s, c.ID, event("b2.ics", "uid-b", "B again", t0))
	cal, _ := s.Calendar(ctx(t), p.ID, "cal")
	if cal.Revision != 7 {
		t.Fatalf("calendar revision = %d, want 7", cal.Revision)
	}
	usage, err := s.Usage(ctx(t), c.ID)
	if err != nil || usage <= 0 {
		t.Fatalf("Usage = %d, %v", usage, err)
	}
}

func testObjectPreconditions(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "judy")
	c := mustCalendar(t, s, p, "cal")
	first := put(t, s, c.ID, event("a.ics", "uid-a", "First", t0))

	_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfNoneMatch: true,
		Object: event("a.ics", "uid-a", "Clobber", t0)})
	wantErr(t, "If-None-Match on existing", err, backend.ErrPreconditionFailed)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfMatch: `"wrong"`,
		Object: event("a.ics", "uid-a", "Clobber", t0)})
	wantErr(t, "wrong If-Match", err, backend.ErrPreconditionFailed)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfMatch: first.ETag,
		Object: event("new.ics", "uid-new", "New", t0)})
	wantErr(t, "If-Match on missing", err, backend.ErrPreconditionFailed)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfScheduleTagMatch: `"other"`,
		Object: event("a.ics", "uid-a", "Clobber", t0)})
	wantErr(t, "wrong If-Schedule-Tag-Match", err, backend.ErrPreconditionFailed)
	_, err = s.DeleteObject(ctx(t), c.ID, "a.ics", `"wrong"`)
	wantErr(t, "delete with wrong If-Match", err, backend.ErrPreconditionFailed)

	got, _ := s.Object(ctx(t), c.ID, "a.ics")
	if got.ETag != first.ETag {
		t.Fatal("a failed precondition changed the object")
	}
	if _, err := s.Object(ctx(t), c.ID, "new.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("a failed precondition created an object")
	}
	cs, _ := s.Changes(ctx(t), c.ID, 0, 0)
	if cs.Revision != 1 || len(cs.Changes) != 1 {
		t.Fatalf("failed preconditions touched the change log: %+v", cs)
	}

	ok, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfMatch: first.ETag,
		Object: event("a.ics", "uid-a", "Second", t0)})
	if err != nil || ok.Created {
		t.Fatalf("matching If-Match = %+v, %v", ok, err)
	}
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, IfNoneMatch: true,
		Object: event("n.ics", "uid-n", "N", t0)})
	if err != nil {
		t.Fatalf("If-None-Match on missing: %v", err)
	}
	if _, err := s.DeleteObject(ctx(t), c.ID, "a.ics", ok.ETag); err != nil {
		t.Fatalf("delete with matching If-Match: %v", err)
	}
}

func testUIDConflict(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "ken")
	c := mustCalendar(t, s, p, "cal")
	other := mustCalendar(t, s, p, "other")
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: event("b.ics", "uid-a", "B", t0)})
	var conflict *backend.UIDConflictError
	if !errors.As(err, &conflict) || conflict.URI != "a.ics" || conflict.CalendarID != c.ID {
		t.Fatalf("duplicate UID: got %v, want *UIDConflictError for a.ics", err)
	}
	if _, err := s.Object(ctx(t), c.ID, "b.ics"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatal("conflicting object was stored")
	}
	// Changing the UID of an existing resource to one in use conflicts too.
	put(t, s, c.ID, event("b.ics", "uid-b", "B", t0))
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: event("b.ics", "uid-a", "B", t0)})
	if !errors.As(err, &conflict) || conflict.URI != "a.ics" {
		t.Fatalf("UID change to a used UID: %v", err)
	}
	// Replacing an object by one of another, unused UID conflicts with
	// the object itself (RFC 4791 §5.3.2.1), and leaves it as it was.
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: event("b.ics", "uid-new", "New", t0)})
	if !errors.As(err, &conflict) || conflict.URI != "b.ics" || !conflict.Changed {
		t.Fatalf("UID change by overwrite: got %v, want a UID conflict on b.ics", err)
	}
	if o, err := s.Object(ctx(t), c.ID, "b.ics"); err != nil || o.UID != "uid-b" {
		t.Fatalf("after a refused UID change: %+v, %v", o, err)
	}
	err = s.Update(ctx(t), func(tx backend.TxStore) error {
		_, err := tx.PutObjects(ctx(t), []*backend.PutObjectRequest{{CalendarID: c.ID, Object: event("b.ics", "uid-new", "New", t0)}})
		return err
	})
	if !errors.As(err, &conflict) || conflict.URI != "b.ics" || !conflict.Changed {
		t.Fatalf("UID change by overwrite in PutObjects: got %v", err)
	}
	// The same UID in another calendar is fine (RFC 4791 §5.3.2.1 is per collection).
	put(t, s, other.ID, event("a.ics", "uid-a", "A", t0))
}

func testObjectProperties(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "liz")
	c := mustCalendar(t, s, p, "cal")
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	prop := backend.Property{Name: xml.Name{Space: "urn:x", Local: "note"}, XML: `<x:note xmlns:x="urn:x">hi</x:note>`}
	if err := s.PatchObjectProperties(ctx(t), c.ID, "a.ics", []backend.Property{prop}, nil); err != nil {
		t.Fatal(err)
	}
	props, err := s.Properties(ctx(t), c.ID, "a.ics")
	if err != nil || len(props) != 1 || props[0] != prop {
		t.Fatalf("object Properties = %v, %v", props, err)
	}
	if collProps, _ := s.Properties(ctx(t), c.ID, ""); len(collProps) != 0 {
		t.Fatalf("object property leaked to the collection: %v", collProps)
	}
	err = s.PatchObjectProperties(ctx(t), c.ID, "zz.ics", []backend.Property{prop}, nil)
	wantErr(t, "properties of a missing object", err, backend.ErrNotFound)
	if _, err := s.DeleteObject(ctx(t), c.ID, "a.ics", ""); err != nil {
		t.Fatal(err)
	}
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	if props, _ := s.Properties(ctx(t), c.ID, "a.ics"); len(props) != 0 {
		t.Fatalf("properties survived the deletion of their object: %v", props)
	}
}

// testDeleteModifiesCalendar: a deletion moves the calendar's ModifiedAt,
// since no remaining object shows when it happened (a feed's Last-Modified
// must not go back when its newest object is deleted).
func testDeleteModifiesCalendar(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "alice")
	c := mustCalendar(t, s, p, "cal")
	put(t, s, c.ID, event("a.ics", "a", "A", t0))
	before, err := s.Calendar(ctx(t), p.ID, "cal")
	if err != nil {
		t.Fatal(err)
	}
	// Stored times have whole seconds: wait for the next one.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	if _, err := s.DeleteObject(ctx(t), c.ID, "a.ics", ""); err != nil {
		t.Fatal(err)
	}
	after, err := s.Calendar(ctx(t), p.ID, "cal")
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModifiedAt.After(before.ModifiedAt) {
		t.Fatalf("ModifiedAt %v after the deletion, %v before", after.ModifiedAt, before.ModifiedAt)
	}
}
