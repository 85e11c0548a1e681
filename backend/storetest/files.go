package storetest

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/kalends/kalends/backend"
)

// RunFiles runs the suite of the files role (backend.Files) against
// stores made by open.
func RunFiles(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s backend.Store, cal *backend.Calendar)
	}{
		{"Put", testFilePut},
		{"Collections", testFileCollections},
		{"DeleteTree", testFileDeleteTree},
		{"Copy", testFileCopy},
		{"Move", testFileMove},
		{"Isolation", testFileIsolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, mustCalendar(t, s, mustUser(t, s, "fiona"), "cal"))
		})
	}
}

var deadProp = xml.Name{Space: "http://example.com/ns", Local: "colour"}

func mkcol(t *testing.T, s backend.Store, calID int64, path string) {
	t.Helper()
	if err := s.MakeFileCollection(ctx(t), calID, path, nil); err != nil {
		t.Fatalf("MakeFileCollection(%s): %v", path, err)
	}
}

func putFile(t *testing.T, s backend.Store, calID int64, path, data string) *backend.PutFileResult {
	t.Helper()
	res, err := s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: calID, Path: path, Data: []byte(data), ContentType: "text/plain"})
	if err != nil {
		t.Fatalf("PutFile(%s): %v", path, err)
	}
	return res
}

func setProp(t *testing.T, s backend.Store, calID int64, path, value string) {
	t.Helper()
	p := backend.Property{Name: deadProp, XML: `<colour xmlns="http://example.com/ns">` + value + `</colour>`}
	if err := s.PatchFileProperties(ctx(t), calID, path, []backend.Property{p}, nil); err != nil {
		t.Fatalf("PatchFileProperties(%s): %v", path, err)
	}
}

// propCount returns how many dead properties a path has.
func propCount(t *testing.T, s backend.Store, calID int64, path string) int {
	t.Helper()
	ps, err := s.Properties(ctx(t), calID, path)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

func wantFile(t *testing.T, s backend.Store, calID int64, path, data string) {
	t.Helper()
	f, err := s.File(ctx(t), calID, path)
	if err != nil {
		t.Fatalf("File(%s): %v", path, err)
	}
	if string(f.Data) != data || f.ETag != backend.ETag([]byte(data)) || f.Size != int64(len(data)) || f.IsCollection {
		t.Fatalf("File(%s) = %+v, want data %q", path, f, data)
	}
}

func wantGone(t *testing.T, s backend.Store, calID int64, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := s.File(ctx(t), calID, p); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("File(%s): got %v, want ErrNotFound", p, err)
		}
	}
}

func testFilePut(t *testing.T, s backend.Store, cal *backend.Calendar) {
	mkcol(t, s, cal.ID, "d/")
	res := putFile(t, s, cal.ID, "d/ünï code", "one")
	if !res.Created || res.ETag != backend.ETag([]byte("one")) {
		t.Fatalf("first put = %+v", res)
	}
	wantFile(t, s, cal.ID, "d/ünï code", "one")
	put := func(req backend.PutFileRequest) error {
		req.CalendarID, req.Path = cal.ID, "d/ünï code"
		_, err := s.PutFile(ctx(t), &req)
		return err
	}
	wantErr(t, "If-None-Match on an existing file", put(backend.PutFileRequest{Data: []byte("x"), IfNoneMatch: true}), backend.ErrPreconditionFailed)
	wantErr(t, "stale If-Match", put(backend.PutFileRequest{Data: []byte("x"), IfMatch: `"stale"`}), backend.ErrPreconditionFailed)
	wantFile(t, s, cal.ID, "d/ünï code", "one")
	if err := put(backend.PutFileRequest{Data: []byte("two"), IfMatch: res.ETag}); err != nil {
		t.Fatal(err)
	}
	wantFile(t, s, cal.ID, "d/ünï code", "two")
	res2, err := s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: cal.ID, Path: "d/empty"})
	if err != nil || !res2.Created {
		t.Fatalf("empty put = %+v, %v", res2, err)
	}
	wantFile(t, s, cal.ID, "d/empty", "")

	_, err = s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: cal.ID, Path: "nope/f", Data: []byte("x")})
	wantErr(t, "put without a parent", err, backend.ErrMissingParent)
	_, err = s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: cal.ID, Path: "d/empty/f", Data: []byte("x")})
	wantErr(t, "put below a resource", err, backend.ErrMissingParent)
	_, err = s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: cal.ID, Path: "top", Data: []byte("x")})
	wantErr(t, "put at the top level (a calendar object's place)", err, backend.ErrMissingParent)
	_, err = s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: cal.ID, Path: "d", Data: []byte("x")})
	wantErr(t, "put over a collection", err, backend.ErrExists)
}

func testFileCollections(t *testing.T, s backend.Store, cal *backend.Calendar) {
	props := []backend.Property{{Name: deadProp, XML: `<colour xmlns="http://example.com/ns">red</colour>`}}
	if err := s.MakeFileCollection(ctx(t), cal.ID, "a", props); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "mkcol again", s.MakeFileCollection(ctx(t), cal.ID, "a/", nil), backend.ErrExists)
	wantErr(t, "mkcol without a parent", s.MakeFileCollection(ctx(t), cal.ID, "x/y/", nil), backend.ErrMissingParent)
	wantErr(t, "mkcol in a missing calendar", s.MakeFileCollection(ctx(t), cal.ID+1000, "a/", nil), backend.ErrNotFound)
	mkcol(t, s, cal.ID, "a/b/")
	mkcol(t, s, cal.ID, "c/")
	putFile(t, s, cal.ID, "a/f", "f")
	putFile(t, s, cal.ID, "a/b/g", "g")
	wantErr(t, "mkcol over a resource", s.MakeFileCollection(ctx(t), cal.ID, "a/f/", nil), backend.ErrExists)
	if n := propCount(t, s, cal.ID, "a/"); n != 1 {
		t.Fatalf("initial properties of a/: %d, want 1", n)
	}
	f, err := s.File(ctx(t), cal.ID, "a")
	if err != nil || !f.IsCollection || f.Path != "a/" || f.CreatedAt.IsZero() {
		t.Fatalf("File(a) = %+v, %v", f, err)
	}
	paths := func(dir string) []string {
		fs, err := s.ListFiles(ctx(t), cal.ID, dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.Path)
		}
		return out
	}
	if got := paths(""); len(got) != 2 || got[0] != "a/" || got[1] != "c/" {
		t.Fatalf("ListFiles(\"\") = %v", got)
	}
	if got := paths("a"); len(got) != 2 || got[0] != "a/b/" || got[1] != "a/f" {
		t.Fatalf("ListFiles(a) = %v", got)
	}
	if got := paths("c/"); len(got) != 0 {
		t.Fatalf("ListFiles(c/) = %v", got)
	}
}

func testFileDeleteTree(t *testing.T, s backend.Store, cal *backend.Calendar) {
	mkcol(t, s, cal.ID, "a/")
	mkcol(t, s, cal.ID, "a/b/")
	mkcol(t, s, cal.ID, "ab/")
	res := putFile(t, s, cal.ID, "a/b/f", "f")
	setProp(t, s, cal.ID, "a/b/f", "blue")
	setProp(t, s, cal.ID, "a/", "red")
	wantErr(t, "delete with a stale If-Match", s.DeleteFileTree(ctx(t), cal.ID, "a/b/f", `"stale"`), backend.ErrPreconditionFailed)
	if err := s.DeleteFileTree(ctx(t), cal.ID, "a/b/f", res.ETag); err != nil {
		t.Fatal(err)
	}
	putFile(t, s, cal.ID, "a/b/f", "f")
	if n := propCount(t, s, cal.ID, "a/b/f"); n != 0 {
		t.Fatalf("a recreated file has %d properties of its namesake", n)
	}
	setProp(t, s, cal.ID, "a/b/f", "blue")
	if err := s.DeleteFileTree(ctx(t), cal.ID, "a", ""); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, cal.ID, "a/", "a/b/", "a/b/f")
	if n := propCount(t, s, cal.ID, "a/") + propCount(t, s, cal.ID, "a/b/f"); n != 0 {
		t.Fatalf("%d properties left after deleting their tree", n)
	}
	if _, err := s.File(ctx(t), cal.ID, "ab/"); err != nil {
		t.Fatalf("deleting a/ took its neighbour ab/: %v", err)
	}
	wantErr(t, "delete of a missing file", s.DeleteFileTree(ctx(t), cal.ID, "a/", ""), backend.ErrNotFound)
}

func testFileCopy(t *testing.T, s backend.Store, cal *backend.Calendar) {
	mkcol(t, s, cal.ID, "src/")
	mkcol(t, s, cal.ID, "src/sub/")
	putFile(t, s, cal.ID, "src/sub/f", "f")
	setProp(t, s, cal.ID, "src/", "red")
	setProp(t, s, cal.ID, "src/sub/f", "blue")
	copyTree := func(src, dst string, overwrite, shallow bool) (bool, error) {
		return s.CopyFileTree(ctx(t), &backend.FileTransfer{CalendarID: cal.ID, Src: src, Dst: dst, Overwrite: overwrite, Shallow: shallow})
	}
	if created, err := copyTree("src", "dst", false, false); err != nil || !created {
		t.Fatalf("deep copy = %v, %v", created, err)
	}
	wantFile(t, s, cal.ID, "dst/sub/f", "f")
	wantFile(t, s, cal.ID, "src/sub/f", "f")
	if propCount(t, s, cal.ID, "dst/") != 1 || propCount(t, s, cal.ID, "dst/sub/f") != 1 {
		t.Fatal("copy did not copy the dead properties")
	}
	_, err := copyTree("src/", "dst/", false, false)
	wantErr(t, "copy onto an existing tree without Overwrite", err, backend.ErrPreconditionFailed)
	putFile(t, s, cal.ID, "dst/extra", "x")
	if created, err := copyTree("src/", "dst/", true, true); err != nil || created {
		t.Fatalf("shallow overwriting copy = %v, %v", created, err)
	}
	wantGone(t, s, cal.ID, "dst/sub/", "dst/extra")
	if propCount(t, s, cal.ID, "dst/") != 1 || propCount(t, s, cal.ID, "dst/sub/f") != 0 {
		t.Fatal("shallow copy: wrong dead properties")
	}
	// A resource copied over a collection replaces the whole collection.
	mkcol(t, s, cal.ID, "dst/c/")
	mkcol(t, s, cal.ID, "dst/c/d/")
	if created, err := copyTree("src/sub/f", "dst/c", true, false); err != nil || created {
		t.Fatalf("copy of a resource over a collection = %v, %v", created, err)
	}
	wantFile(t, s, cal.ID, "dst/c", "f")
	wantGone(t, s, cal.ID, "dst/c/d/")
	// The calendar's own non-collection members are calendar objects.
	_, err = copyTree("src/sub/f", "top", true, false)
	wantErr(t, "copy of a resource to the top level", err, backend.ErrMissingParent)
	_, err = copyTree("src/sub/f", "dst/c/x", true, false)
	wantErr(t, "copy below a resource", err, backend.ErrMissingParent)
	_, err = copyTree("src/sub/f", "src/sub/f", true, false)
	wantErr(t, "copy onto itself", err, backend.ErrBadDestination)
	_, err = copyTree("src/", "src/sub/in/", true, false)
	wantErr(t, "copy into itself", err, backend.ErrBadDestination)
	_, err = copyTree("nope/", "z/", true, false)
	wantErr(t, "copy of a missing source", err, backend.ErrNotFound)
}

func testFileMove(t *testing.T, s backend.Store, cal *backend.Calendar) {
	mkcol(t, s, cal.ID, "m/")
	mkcol(t, s, cal.ID, "m/sub/")
	mkcol(t, s, cal.ID, "other/")
	res := putFile(t, s, cal.ID, "m/sub/f", "f")
	setProp(t, s, cal.ID, "m/sub/f", "blue")
	move := func(src, dst string, overwrite bool) (bool, error) {
		return s.MoveFileTree(ctx(t), &backend.FileTransfer{CalendarID: cal.ID, Src: src, Dst: dst, Overwrite: overwrite})
	}
	if created, err := move("m/", "n/", false); err != nil || !created {
		t.Fatalf("move = %v, %v", created, err)
	}
	wantGone(t, s, cal.ID, "m/", "m/sub/f")
	wantFile(t, s, cal.ID, "n/sub/f", "f")
	if f, _ := s.File(ctx(t), cal.ID, "n/sub/f"); f.ETag != res.ETag {
		t.Fatal("a move changed the ETag")
	}
	if propCount(t, s, cal.ID, "n/sub/f") != 1 || propCount(t, s, cal.ID, "m/sub/f") != 0 {
		t.Fatal("move did not move the dead properties")
	}
	_, err := move("n/", "other/", false)
	wantErr(t, "move onto an existing collection without Overwrite", err, backend.ErrPreconditionFailed)
	_, err = move("n/", "n/sub/deeper/", true)
	wantErr(t, "move into itself", err, backend.ErrBadDestination)
	_, err = move("n/sub/", "gone/sub/", true)
	wantErr(t, "move without a destination parent", err, backend.ErrMissingParent)
	if created, err := move("n/sub/f", "other/f", true); err != nil || !created {
		t.Fatalf("move of a resource = %v, %v", created, err)
	}
	if created, err := move("other/", "n/", true); err != nil || created {
		t.Fatalf("overwriting move = %v, %v", created, err)
	}
	wantGone(t, s, cal.ID, "other/", "n/sub/")
	wantFile(t, s, cal.ID, "n/f", "f")
}

// testFileIsolation: files are not calendar data, and go with their calendar.
func testFileIsolation(t *testing.T, s backend.Store, cal *backend.Calendar) {
	put(t, s, cal.ID, event("e.ics", "uid-e", "E", t0))
	before, _ := s.Calendar(ctx(t), cal.PrincipalID, cal.URI)
	// "CAL/e.ics" names the object; no collection may take that name.
	wantErr(t, "collection named like an object", s.MakeFileCollection(ctx(t), cal.ID, "e.ics/", nil), backend.ErrExists)
	mkcol(t, s, cal.ID, "e/")
	putFile(t, s, cal.ID, "e/f", "f")
	_, err := s.MoveFileTree(ctx(t), &backend.FileTransfer{CalendarID: cal.ID, Src: "e/", Dst: "e.ics/"})
	wantErr(t, "move onto an object's name", err, backend.ErrExists)
	if err := s.DeleteFileTree(ctx(t), cal.ID, "e/f", ""); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Calendar(ctx(t), cal.PrincipalID, cal.URI)
	if after.Revision != before.Revision {
		t.Fatalf("file writes changed the calendar revision %d → %d", before.Revision, after.Revision)
	}
	if objs, _ := s.ListObjects(ctx(t), cal.ID, nil); len(objs) != 1 {
		t.Fatalf("objects = %d, want 1", len(objs))
	}
	if err := s.DeleteCalendar(ctx(t), cal.ID); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, cal.ID, "e/")
}
