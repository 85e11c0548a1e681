package backend

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckPut(t *testing.T) {
	cur := &Object{URI: "a.ics", UID: "u", ETag: `"e1"`, Index: ObjectIndex{ScheduleTag: `"s1"`}}
	obj := func(uri string) *Object { return &Object{URI: uri, UID: "u"} }
	move := &ObjectRef{CalendarID: 1, URI: "old.ics"}
	conflict := func(uri string) error { return &UIDConflictError{CalendarID: 1, URI: uri} }
	tests := []struct {
		name    string
		req     PutObjectRequest
		current *Object
		holder  string
		want    error
	}{
		{"create", PutObjectRequest{CalendarID: 1, Object: obj("a.ics")}, nil, "", nil},
		{"replace", PutObjectRequest{CalendarID: 1, Object: obj("a.ics")}, cur, "", nil},
		{"If-None-Match, exists", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfNoneMatch: true}, cur, "", ErrPreconditionFailed},
		{"If-None-Match, missing", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfNoneMatch: true}, nil, "", nil},
		{"If-Match, matches", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfMatch: `"e1"`}, cur, "", nil},
		{"If-Match, differs", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfMatch: `"e0"`}, cur, "", ErrPreconditionFailed},
		{"If-Match, missing", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfMatch: `"e1"`}, nil, "", ErrPreconditionFailed},
		{"schedule tag, matches", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfScheduleTagMatch: `"s1"`}, cur, "", nil},
		{"schedule tag, differs", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfScheduleTagMatch: `"s0"`}, cur, "", ErrPreconditionFailed},
		{"schedule tag, missing", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfScheduleTagMatch: `"s1"`}, nil, "", ErrPreconditionFailed},
		{"UID held by another", PutObjectRequest{CalendarID: 1, Object: obj("a.ics")}, nil, "b.ics", conflict("b.ics")},
		{"precondition before UID", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), IfNoneMatch: true}, cur, "b.ics", ErrPreconditionFailed},
		{"UID held by itself", PutObjectRequest{CalendarID: 1, Object: obj("a.ics")}, cur, "a.ics", nil},
		{"UID held by the move's source", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), MoveFrom: move}, nil, "old.ics", nil},
		{"UID held by another than the move's source", PutObjectRequest{CalendarID: 1, Object: obj("a.ics"), MoveFrom: move}, nil, "b.ics", conflict("b.ics")},
		{"move from another calendar", PutObjectRequest{CalendarID: 2, Object: obj("a.ics"), MoveFrom: move}, nil, "old.ics",
			&UIDConflictError{CalendarID: 2, URI: "old.ics"}},
		{"replace by another UID", PutObjectRequest{CalendarID: 1, Object: &Object{URI: "a.ics", UID: "v"}}, cur, "",
			&UIDConflictError{CalendarID: 1, URI: "a.ics", Changed: true}},
		{"move over another UID", PutObjectRequest{CalendarID: 1, Object: &Object{URI: "a.ics", UID: "v"}, MoveFrom: move}, cur, "old.ics",
			&UIDConflictError{CalendarID: 1, URI: "a.ics", Changed: true}},
		{"precondition before UID change", PutObjectRequest{CalendarID: 1, Object: &Object{URI: "a.ics", UID: "v"}, IfMatch: `"e0"`}, cur, "",
			ErrPreconditionFailed},
		{"UID held by another before UID change", PutObjectRequest{CalendarID: 1, Object: &Object{URI: "a.ics", UID: "v"}}, cur, "b.ics",
			conflict("b.ics")},
	}
	for _, tc := range tests {
		err := CheckPut(&tc.req, tc.current, tc.holder)
		var u, wantU *UIDConflictError
		switch {
		case errors.As(tc.want, &wantU):
			if !errors.As(err, &u) || *u != *wantU {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
		case !errors.Is(err, tc.want) || (tc.want == nil && err != nil):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestCheckMoveAndIfMatch(t *testing.T) {
	self := &PutObjectRequest{CalendarID: 1, Object: &Object{URI: "a.ics"}, MoveFrom: &ObjectRef{CalendarID: 1, URI: "a.ics"}}
	if err := CheckMove(self); !errors.Is(err, ErrBadDestination) {
		t.Errorf("move onto itself: %v", err)
	}
	for _, ok := range []*PutObjectRequest{
		{CalendarID: 1, Object: &Object{URI: "a.ics"}},
		{CalendarID: 2, Object: &Object{URI: "a.ics"}, MoveFrom: &ObjectRef{CalendarID: 1, URI: "a.ics"}},
		{CalendarID: 1, Object: &Object{URI: "b.ics"}, MoveFrom: &ObjectRef{CalendarID: 1, URI: "a.ics"}},
	} {
		if err := CheckMove(ok); err != nil {
			t.Errorf("CheckMove(%+v) = %v", ok.MoveFrom, err)
		}
	}
	cur := &Object{ETag: `"e"`}
	for _, tc := range []struct {
		current *Object
		ifMatch string
		want    error
	}{{nil, "", ErrNotFound}, {nil, `"e"`, ErrNotFound}, {cur, "", nil}, {cur, `"e"`, nil}, {cur, `"f"`, ErrPreconditionFailed}} {
		if err := CheckIfMatch("a.ics", tc.current, tc.ifMatch); !errors.Is(err, tc.want) || tc.want == nil && err != nil {
			t.Errorf("CheckIfMatch(%v, %q) = %v, want %v", tc.current, tc.ifMatch, err, tc.want)
		}
	}
	for _, tc := range []struct {
		current *Object
		etag    string
		want    error
	}{{nil, `"e"`, ErrNotFound}, {cur, `"e"`, nil}, {cur, `"f"`, ErrPreconditionFailed}, {cur, "", ErrPreconditionFailed}} {
		if err := CheckReindex("a.ics", tc.current, tc.etag); !errors.Is(err, tc.want) || tc.want == nil && err != nil {
			t.Errorf("CheckReindex(%v, %q) = %v, want %v", tc.current, tc.etag, err, tc.want)
		}
	}
}

func TestPrepareObject(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 700, time.FixedZone("x", 3600))
	req := &PutObjectRequest{CalendarID: 7, Object: &Object{URI: "a.ics", Data: []byte("data")}}
	res := PrepareObject(req, nil, now)
	o := req.Object
	if !res.Created || res.ETag != ETag([]byte("data")) || o.ETag != res.ETag || o.Size != 4 || o.CalendarID != 7 {
		t.Fatalf("create: %+v, %+v", res, o)
	}
	if want := now.UTC().Truncate(time.Second); !o.CreatedAt.Equal(want) || !o.ModifiedAt.Equal(want) || o.ModifiedAt.Location() != time.UTC {
		t.Fatalf("create times %v, %v", o.CreatedAt, o.ModifiedAt)
	}
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	res = PrepareObject(req, &Object{CreatedAt: created}, now)
	if res.Created || !o.CreatedAt.Equal(created) || o.ModifiedAt.Equal(created) {
		t.Fatalf("replace: %+v, created %v, modified %v", res, o.CreatedAt, o.ModifiedAt)
	}
}

func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		since, current int64
		ok             bool
	}{{0, 0, true}, {3, 5, true}, {5, 5, true}, {6, 5, false}, {-1, 5, false}} {
		if err := CheckSyncRevision(tc.since, tc.current); (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrInvalidSyncToken) {
			t.Errorf("CheckSyncRevision(%d, %d) = %v", tc.since, tc.current, err)
		}
	}
	cs := &ChangeSet{Revision: 9, Changes: []Change{{URI: "a", Revision: 4}, {URI: "b", Revision: 6}, {URI: "c", Revision: 9}}}
	LimitChanges(cs, 3)
	if cs.Truncated || cs.Revision != 9 {
		t.Fatalf("no cut: %+v", cs)
	}
	LimitChanges(cs, 2)
	if !cs.Truncated || cs.Revision != 6 || len(cs.Changes) != 2 {
		t.Fatalf("cut at 2: %+v", cs)
	}
}

func TestDelegationRules(t *testing.T) {
	if got := DelegationSet(1, true, []int64{3, 2, 3}); fmt.Sprint(got) != fmt.Sprint([]Delegation{{1, 3, true}, {1, 2, true}}) {
		t.Errorf("DelegationSet = %+v", got)
	}
	exist := map[int64]bool{1: true, 2: true, 3: true}
	var asked [][]int64
	count := func(ids []int64) (int, error) {
		asked = append(asked, ids)
		n := 0
		for _, id := range ids {
			if exist[id] {
				n++
			}
		}
		return n, nil
	}
	for _, tc := range []struct {
		grants []Delegation
		want   error
	}{
		{nil, nil},
		{[]Delegation{{1, 2, false}}, nil},
		{[]Delegation{{1, 2, true}, {1, 3, true}}, nil},
		{[]Delegation{{1, 1, false}}, ErrSelfDelegation},
		{[]Delegation{{1, 9, false}, {1, 1, false}}, ErrSelfDelegation},
		{[]Delegation{{1, 9, false}}, ErrNotFound},
		{[]Delegation{{9, 1, false}}, ErrNotFound},
	} {
		asked = nil
		err := ValidateDelegations(tc.grants, count)
		if !errors.Is(err, tc.want) || tc.want == nil && err != nil {
			t.Errorf("ValidateDelegations(%+v) = %v, want %v", tc.grants, err, tc.want)
		}
		if len(tc.grants) == 0 && len(asked) != 0 || tc.want == ErrSelfDelegation && len(asked) != 0 {
			t.Errorf("ValidateDelegations(%+v) queried the store: %v", tc.grants, asked)
		}
	}
	asked = nil
	ValidateDelegations([]Delegation{{1, 2, false}, {1, 3, false}}, count)
	if fmt.Sprint(asked) != "[[1 2 3]]" {
		t.Errorf("principals counted: %v, want each once in one call", asked)
	}
	boom := errors.New("boom")
	if err := ValidateDelegations([]Delegation{{1, 2, false}}, func([]int64) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("a failed count: %v", err)
	}
}

func TestProvisionHomeOnce(t *testing.T) {
	cols := []*Calendar{{URI: "calendar"}, {URI: "inbox"}, {URI: "outbox"}}
	var made []string
	create := func(c *Calendar) error {
		if c.PrincipalID != 4 {
			return fmt.Errorf("principal %d", c.PrincipalID)
		}
		made = append(made, c.URI)
		if c.URI == "inbox" {
			return fmt.Errorf("store: %w", ErrExists) // kept as it is
		}
		return nil
	}
	if created, err := ProvisionHomeOnce(4, true, cols, create); created || err != nil || made != nil {
		t.Fatalf("provisioned home: %v, %v, made %v", created, err, made)
	}
	if created, err := ProvisionHomeOnce(4, false, cols, create); !created || err != nil || len(made) != 3 {
		t.Fatalf("first time: %v, %v, made %v", created, err, made)
	}
	boom := errors.New("boom")
	if created, err := ProvisionHomeOnce(4, false, cols, func(*Calendar) error { return boom }); created || !errors.Is(err, boom) {
		t.Fatalf("failed create: %v, %v", created, err)
	}
}

func TestFileRules(t *testing.T) {
	res := &File{Path: "d/a.txt", ETag: `"e"`}
	coll := &File{Path: "d/", IsCollection: true}
	for _, tc := range []struct {
		name    string
		req     PutFileRequest
		current *File
		parent  error
		want    error
	}{
		{"create", PutFileRequest{Path: "d/a.txt"}, nil, nil, nil},
		{"collection there", PutFileRequest{Path: "d"}, coll, ErrMissingParent, ErrExists},
		{"missing parent", PutFileRequest{Path: "x/a.txt", IfMatch: `"e"`}, nil, ErrMissingParent, ErrMissingParent},
		{"If-None-Match, exists", PutFileRequest{Path: "d/a.txt", IfNoneMatch: true}, res, nil, ErrPreconditionFailed},
		{"If-Match, differs", PutFileRequest{Path: "d/a.txt", IfMatch: `"f"`}, res, nil, ErrPreconditionFailed},
		{"If-Match, missing", PutFileRequest{Path: "d/a.txt", IfMatch: `"e"`}, nil, nil, ErrPreconditionFailed},
		{"If-Match, matches", PutFileRequest{Path: "d/a.txt", IfMatch: `"e"`}, res, nil, nil},
	} {
		if err := CheckPutFile(&tc.req, tc.current, tc.parent); !errors.Is(err, tc.want) || tc.want == nil && err != nil {
			t.Errorf("CheckPutFile %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := CheckFileDelete(res, `"f"`); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("CheckFileDelete, differs: %v", err)
	}
}

// fakeTree is a FileTreeTx on a map of paths, logging the steps taken.
type fakeTree struct {
	files map[string]*File
	steps []string
}

func (f *fakeTree) FindFile(path string) (*File, error) {
	p := strings.TrimSuffix(path, "/")
	for _, c := range []string{p, p + "/"} {
		if x, ok := f.files[c]; ok {
			return x, nil
		}
	}
	return nil, ErrNotFound
}

func (f *fakeTree) CheckParent(path string, calendarOK bool) error {
	parent := FileParent(path)
	if parent == "" && calendarOK || f.files[parent] != nil {
		return nil
	}
	return ErrMissingParent
}

func (f *fakeTree) DeleteTree(path string) error {
	f.steps = append(f.steps, "delete "+path)
	return nil
}

func (f *fakeTree) DeleteTreeProps(path string) error {
	f.steps = append(f.steps, "props "+path)
	return nil
}

func (f *fakeTree) MoveTree(src, dst string) error {
	f.steps = append(f.steps, "move "+src+" "+dst)
	return nil
}

func (f *fakeTree) CopyTree(src, dst string, shallow bool) error {
	f.steps = append(f.steps, fmt.Sprintf("copy %s %s %v", src, dst, shallow))
	return nil
}

func TestTransferFileTree(t *testing.T) {
	tree := func() *fakeTree {
		return &fakeTree{files: map[string]*File{"d/": {Path: "d/", IsCollection: true}, "d/a.txt": {Path: "d/a.txt"},
			"e/": {Path: "e/", IsCollection: true}, "e/b.txt": {Path: "e/b.txt"}}}
	}
	for _, tc := range []struct {
		name    string
		t       FileTransfer
		move    bool
		want    error
		created bool
		steps   string
	}{
		{"copy a collection to a new name", FileTransfer{Src: "d", Dst: "f"}, false, nil, true, "[props f/ copy d/ f/ false]"},
		{"shallow copy", FileTransfer{Src: "d/", Dst: "f/", Shallow: true}, false, nil, true, "[props f/ copy d/ f/ true]"},
		{"move a resource over another", FileTransfer{Src: "d/a.txt", Dst: "e/b.txt/", Overwrite: true}, true, nil, false,
			"[delete e/b.txt props e/b.txt move d/a.txt e/b.txt]"},
		{"no overwrite", FileTransfer{Src: "d/a.txt", Dst: "e/b.txt"}, true, ErrPreconditionFailed, false, "[]"},
		{"into itself", FileTransfer{Src: "d", Dst: "d/sub"}, true, ErrBadDestination, false, "[]"},
		{"onto itself", FileTransfer{Src: "d/a.txt", Dst: "d/a.txt", Overwrite: true}, true, ErrBadDestination, false, "[]"},
		{"missing source", FileTransfer{Src: "x", Dst: "y"}, true, ErrNotFound, false, "[]"},
		{"missing parent", FileTransfer{Src: "d/a.txt", Dst: "x/a.txt"}, false, ErrMissingParent, false, "[]"},
		{"a resource at the top", FileTransfer{Src: "d/a.txt", Dst: "a.txt"}, false, ErrMissingParent, false, "[]"},
	} {
		tr := tree()
		created, err := TransferFileTree(&tc.t, tc.move, tr)
		if !errors.Is(err, tc.want) || tc.want == nil && err != nil || created != tc.created || fmt.Sprint(tr.steps) != tc.steps {
			t.Errorf("%s: created %v, %v, steps %v; want %v, %v, %s", tc.name, created, err, tr.steps, tc.created, tc.want, tc.steps)
		}
	}
}

func TestLimitHomeChanges(t *testing.T) {
	revs := func(rs ...int64) *HomeChangeSet {
		cs := &HomeChangeSet{Revision: 99}
		for _, r := range rs {
			cs.Changes = append(cs.Changes, HomeChange{Collection: "c", Revision: r})
		}
		return cs
	}
	tests := []struct {
		name      string
		in        *HomeChangeSet
		limit     int
		keep      int
		truncated bool
		revision  int64
	}{
		{"no limit", revs(1, 2, 3), 0, 3, false, 99},
		{"within the limit", revs(1, 2, 3), 3, 3, false, 99},
		{"cut between revisions", revs(1, 2, 3, 4), 2, 2, true, 2},
		{"cut inside a revision goes back to its start", revs(1, 2, 2, 3), 2, 1, true, 1},
		{"a first revision larger than the limit is kept whole", revs(5, 5, 5, 6), 2, 3, true, 5},
	}
	for _, tt := range tests {
		LimitHomeChanges(tt.in, tt.limit)
		if len(tt.in.Changes) != tt.keep || tt.in.Truncated != tt.truncated || tt.in.Revision != tt.revision {
			t.Errorf("%s: kept %d, truncated %v, revision %d; want %d, %v, %d", tt.name,
				len(tt.in.Changes), tt.in.Truncated, tt.in.Revision, tt.keep, tt.truncated, tt.revision)
		}
	}
}
