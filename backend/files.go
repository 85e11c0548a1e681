package backend

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"time"
)

// File is a plain WebDAV resource or collection inside a calendar
// collection. RFC 4791 §4.2 lets a calendar collection hold, besides its
// calendar object resources, collections that are not calendar
// collections; any WebDAV resource may live inside those. Files are not
// calendar data: they take no part in the collection's revision, change
// log, instance index or quota.
type File struct {
	CalendarID int64
	// Path is relative to the calendar collection: "litmus/" for a
	// collection (always with a trailing slash), "litmus/res" for a
	// resource. Its first segment is always a collection.
	Path         string
	IsCollection bool
	Data         []byte // set by File only, nil for collections
	ContentType  string
	ETag         string // strong, ETag(Data); "" for collections
	Size         int64
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// Errors of Files besides ErrNotFound, ErrExists and
// ErrPreconditionFailed (ErrBadDestination is also PutObject's, for a
// MOVE of a calendar object onto itself).
var (
	// ErrMissingParent: the collection a file or collection would be
	// created in does not exist (RFC 4918 §9.7.1, §9.3.1: 409 Conflict).
	ErrMissingParent = errors.New("backend: parent collection does not exist")
	// ErrBadDestination: a COPY or MOVE onto the source itself, into the
	// source's own tree, or onto one of its ancestors.
	ErrBadDestination = errors.New("backend: destination overlaps the source")
)

// PutFileRequest is one write of a plain resource. The store sets the
// ETag, size and timestamps.
type PutFileRequest struct {
	CalendarID  int64
	Path        string // a resource path: no trailing slash, at least one "/"
	Data        []byte
	ContentType string
	// IfMatch, when not "", must equal the stored ETag (RFC 9110 §13.1.1).
	IfMatch string
	// IfNoneMatch: the resource must not exist yet (If-None-Match: *).
	IfNoneMatch bool
}

// PutFileResult says what PutFile did.
type PutFileResult struct {
	Created bool
	ETag    string
}

// FileTransfer is a COPY or MOVE of a file tree within one calendar.
type FileTransfer struct {
	CalendarID int64
	Src, Dst   string // paths in either form; Dst takes Src's kind
	// Overwrite allows replacing an existing destination tree (RFC 4918
	// §10.6); without it an existing destination is ErrPreconditionFailed.
	Overwrite bool
	// Shallow copies a collection without its members (COPY with Depth 0,
	// RFC 4918 §9.8.3). Ignored by MoveFileTree.
	Shallow bool
}

// Files are the plain WebDAV resources and collections kept inside
// calendar collections. Paths given to its methods may
// name a collection with or without its trailing slash; at most one of
// "a/b" and "a/b/" exists at a time. Each write is one transaction, and
// dead properties (Store.Properties with the canonical path as object
// URI) are deleted, copied and moved with the files they belong to.
type Files interface {
	// MakeFileCollection creates an empty collection at path with its
	// initial dead properties. ErrExists if anything exists at path (a
	// calendar object of that name included, for a top-level collection),
	// ErrMissingParent if its parent is neither the calendar nor an
	// existing collection, ErrNotFound if the calendar does not exist.
	MakeFileCollection(ctx context.Context, calendarID int64, path string, props []Property) error
	// PutFile creates or replaces a resource. ErrMissingParent if its
	// parent collection does not exist, ErrExists if a collection is at
	// that path, ErrPreconditionFailed if a condition of req failed.
	PutFile(ctx context.Context, req *PutFileRequest) (*PutFileResult, error)
	// File returns the resource (with its data) or collection at path.
	File(ctx context.Context, calendarID int64, path string) (*File, error)
	// ListFiles returns the direct members of the collection dir ("" for
	// the calendar itself, whose file members are collections only),
	// ordered by path, without data.
	ListFiles(ctx context.Context, calendarID int64, dir string) ([]*File, error)
	// DeleteFileTree removes the resource or collection at path with
	// everything below it. ifMatch, when not "", must equal the ETag of
	// the resource (ErrPreconditionFailed). ErrNotFound if nothing is there.
	DeleteFileTree(ctx context.Context, calendarID int64, path, ifMatch string) error
	// CopyFileTree copies a tree and its dead properties; created is false
	// when it replaced an existing destination. Errors: ErrNotFound (no
	// source), ErrMissingParent (no destination parent), ErrBadDestination,
	// ErrPreconditionFailed (destination exists, no Overwrite), ErrExists
	// (a top-level destination collection named like a calendar object).
	CopyFileTree(ctx context.Context, t *FileTransfer) (created bool, err error)
	// MoveFileTree renames a tree with its dead properties, keeping ETags
	// and creation dates; errors as CopyFileTree.
	MoveFileTree(ctx context.Context, t *FileTransfer) (created bool, err error)
	// PatchFileProperties sets and removes dead properties of a file
	// atomically. ErrNotFound if it does not exist.
	PatchFileProperties(ctx context.Context, calendarID int64, path string, set []Property, remove []xml.Name) error
}

// FileParent returns the collection path holding path ("" for the
// calendar itself): FileParent("a/b/") == "a/", FileParent("a/") == "".
func FileParent(path string) string {
	p := strings.TrimSuffix(path, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i+1]
}

// FileOverlaps reports whether two canonical paths are the same or one
// holds the other, which a COPY or MOVE between them must refuse (RFC
// 4918 §9.8.5 403: source and destination resources are the same).
func FileOverlaps(a, b string) bool {
	a, b = strings.TrimSuffix(a, "/")+"/", strings.TrimSuffix(b, "/")+"/"
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
