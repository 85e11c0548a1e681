package backend

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rules of the store's writes, written once for every store: a store
// reads what a rule needs with its own SQL, inside the write's
// transaction and with the rows locked, calls the rule, and writes only
// when the rule allows it. The rules never touch a database.

// CheckIfMatch is the rule of a write to an object that must exist (a
// DeleteObject, the source of a MOVE): current is the object at uri as the
// store read it, nil if there is none. ErrNotFound when there is none,
// ErrPreconditionFailed when ifMatch is not "" and is not its ETag (RFC
// 9110 §13.1.1).
func CheckIfMatch(uri string, current *Object, ifMatch string) error {
	if current == nil {
		return fmt.Errorf("backend: object %q: %w", uri, ErrNotFound)
	}
	if ifMatch != "" && ifMatch != current.ETag {
		return fmt.Errorf("backend: %q is not %s: %w", uri, ifMatch, ErrPreconditionFailed)
	}
	return nil
}

// CheckMove is the first rung of a MOVE (PutObjectRequest.MoveFrom),
// checked before anything is read: ErrBadDestination when the source is
// the object being written (RFC 4918 §9.9.4: source and destination are
// the same). nil when req is not a move. The next rungs are CheckIfMatch
// on the source (it exists and has MoveFrom.IfMatch), then CheckPut on the
// destination once the source is gone.
func CheckMove(req *PutObjectRequest) error {
	m := req.MoveFrom
	if m != nil && m.CalendarID == req.CalendarID && m.URI == req.Object.URI {
		return fmt.Errorf("backend: move of %q onto itself: %w", m.URI, ErrBadDestination)
	}
	return nil
}

// CheckObjectRequest is the first rung of every PutObject, checked before
// anything is read (a name PostgreSQL cannot even compare must not reach
// it): the object's name must pass ValidateResourceName (ErrInvalidName),
// also when it replaces an object, then CheckMove.
func CheckObjectRequest(req *PutObjectRequest) error {
	if err := ValidateResourceName(req.Object.URI); err != nil {
		return err
	}
	return CheckMove(req)
}

// CheckPut is the rule of PutObject: current is the object at the
// request's URI as the store read it (nil if there is none), uidHolder the
// URI of another object of the calendar holding the request's UID ("" if
// none). In this order: If-None-Match: * on an existing object, If-Match
// on a missing or different one, If-Schedule-Tag-Match (RFC 6638 §8.3) on
// a missing or different one are ErrPreconditionFailed; then a UID held by
// another object is a *UIDConflictError (RFC 4791 §5.3.2.1), unless that
// object is the request's MoveFrom source in the same calendar, which the
// same transaction removes (a rename keeps its UID); last, replacing an
// object by one of another UID (a PUT, or a COPY or MOVE with Overwrite)
// is a *UIDConflictError naming the object itself, since §5.3.2.1 forbids
// to "overwrite an existing calendar object resource with one that has a
// different UID property value". current must carry its UID.
func CheckPut(req *PutObjectRequest, current *Object, uidHolder string) error {
	uri := req.Object.URI
	exists := current != nil
	switch {
	case req.IfNoneMatch && exists:
		return fmt.Errorf("backend: put %s: exists: %w", uri, ErrPreconditionFailed)
	case req.IfMatch != "" && (!exists || req.IfMatch != current.ETag):
		return fmt.Errorf("backend: put %s: If-Match: %w", uri, ErrPreconditionFailed)
	case req.IfScheduleTagMatch != "" && (!exists || req.IfScheduleTagMatch != current.Index.ScheduleTag):
		return fmt.Errorf("backend: put %s: If-Schedule-Tag-Match: %w", uri, ErrPreconditionFailed)
	}
	if uidHolder != "" && uidHolder != uri && !movesFrom(req, uidHolder) {
		return &UIDConflictError{CalendarID: req.CalendarID, URI: uidHolder}
	}
	if exists && current.UID != req.Object.UID {
		return &UIDConflictError{CalendarID: req.CalendarID, URI: uri, Changed: true}
	}
	return nil
}

// movesFrom reports whether req moves the object at uri of its own
// calendar, which the same transaction removes.
func movesFrom(req *PutObjectRequest, uri string) bool {
	m := req.MoveFrom
	return m != nil && m.CalendarID == req.CalendarID && m.URI == uri
}

// PrepareObject stamps the request's object for writing at now, once
// CheckPut allowed it: its CalendarID, ETag (a strong hash of Data), Size,
// ModifiedAt, and CreatedAt (kept from current when it replaces one). It
// returns the result the store reports, whose Revision the store fills
// in. Times are whole seconds in UTC, as every store keeps them.
func PrepareObject(req *PutObjectRequest, current *Object, now time.Time) *PutObjectResult {
	o := req.Object
	now = now.UTC().Truncate(time.Second)
	o.CalendarID, o.ETag, o.Size = req.CalendarID, ETag(o.Data), int64(len(o.Data))
	o.CreatedAt, o.ModifiedAt = now, now
	if current != nil {
		o.CreatedAt = current.CreatedAt.UTC().Truncate(time.Second)
	}
	return &PutObjectResult{ETag: o.ETag, Created: current == nil}
}

// CheckReindex is the rule of ReplaceInstances: current is the object as
// the store read it (nil if gone). ErrNotFound when it is gone,
// ErrPreconditionFailed when its ETag is no longer etag (it changed since
// the caller computed the instances).
func CheckReindex(uri string, current *Object, etag string) error {
	if current == nil {
		return fmt.Errorf("backend: reindex %q: %w", uri, ErrNotFound)
	}
	if current.ETag != etag {
		return fmt.Errorf("backend: reindex %q: changed: %w", uri, ErrPreconditionFailed)
	}
	return nil
}

// CheckSyncRevision is the rule of Changes: since must be a revision the
// collection issued, from 0 up to its current revision; otherwise
// ErrInvalidSyncToken (RFC 6578 §3.2 valid-sync-token).
func CheckSyncRevision(since, current int64) error {
	if since < 0 || since > current {
		return fmt.Errorf("backend: changes since %d (now %d): %w", since, current, ErrInvalidSyncToken)
	}
	return nil
}

// LimitChanges cuts cs to limit changes when the store read more (a store
// reads limit+1 to know whether more remain): Truncated is set and
// Revision becomes the revision of the last change kept. limit 0 keeps all.
func LimitChanges(cs *ChangeSet, limit int) {
	if limit > 0 && len(cs.Changes) > limit {
		cs.Changes = cs.Changes[:limit]
		cs.Truncated = true
		cs.Revision = cs.Changes[limit-1].Revision
	}
}

// LimitHomeChanges cuts cs to at most limit changes, like LimitChanges,
// without splitting the changes of one revision (an object and its
// collection share the revision of the object's write): a client resuming
// from Revision must not miss the rest of them. The store reads, when
// there are more than limit changes, every change up to the revision of
// the (limit+1)-th, so that the revision at the cut is read whole. When the
// first revision alone holds more than limit changes, it is kept whole.
// limit 0 keeps all.
func LimitHomeChanges(cs *HomeChangeSet, limit int) {
	if limit <= 0 || len(cs.Changes) <= limit {
		return
	}
	ch := cs.Changes
	n := limit
	for n > 0 && ch[n-1].Revision == ch[n].Revision {
		n--
	}
	if n == 0 {
		for n = 1; n < len(ch) && ch[n].Revision == ch[0].Revision; n++ {
		}
	}
	cs.Changes = ch[:n]
	cs.Truncated = true
	cs.Revision = ch[n-1].Revision
}

// DelegationSet is the set of grants that ReplaceDelegates(principalID,
// write, delegateIDs) leaves of that kind: one per distinct delegate, in
// the order first given.
func DelegationSet(principalID int64, write bool, delegateIDs []int64) []Delegation {
	out := make([]Delegation, 0, len(delegateIDs))
	seen := map[int64]bool{}
	for _, id := range delegateIDs {
		if !seen[id] {
			seen[id] = true
			out = append(out, Delegation{PrincipalID: principalID, DelegateID: id, Write: write})
		}
	}
	return out
}

// ValidateDelegations is the rule of SetDelegate and ReplaceDelegates,
// checked before any grant is written: ErrSelfDelegation when a grant names
// a principal as its own delegate; else ErrNotFound unless every principal
// the grants name exists. count reports how many of the distinct ids it is
// given are principals (one query of the store's); it is not called for
// no grants.
func ValidateDelegations(grants []Delegation, count func(ids []int64) (int, error)) error {
	var ids []int64
	for _, d := range grants {
		if d.PrincipalID == d.DelegateID {
			return ErrSelfDelegation
		}
		ids = append(ids, d.PrincipalID, d.DelegateID)
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	n, err := count(ids)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return fmt.Errorf("backend: delegate: principal: %w", ErrNotFound)
	}
	return nil
}

// ProvisionHomeOnce is the rule of ProvisionHome: provisioned is what the
// store read (and locked) of the principal's home. The first time, each
// collection is created for principalID by create, one that exists
// already (ErrExists) being kept as it is, and created is true: the store
// then records the home as provisioned. Later, nothing is created, even
// if the user deleted the collections since.
func ProvisionHomeOnce(principalID int64, provisioned bool, collections []*Calendar, create func(*Calendar) error) (created bool, err error) {
	if provisioned {
		return false, nil
	}
	for _, c := range collections {
		c.PrincipalID = principalID
		if err := create(c); err != nil && !errors.Is(err, ErrExists) {
			return false, err
		}
	}
	return true, nil
}

// CheckPutFile is the rule of PutFile: current is what the store found at
// the path (nil if nothing), parent the outcome of its check that the
// parent collection exists (nil, or ErrMissingParent…). In this order:
// ErrExists when a collection is at the path; parent's error; then
// ErrPreconditionFailed when If-None-Match: * finds a resource or If-Match
// does not find its ETag.
func CheckPutFile(req *PutFileRequest, current *File, parent error) error {
	exists := current != nil
	if exists && current.IsCollection {
		return fmt.Errorf("backend: %q is a collection: %w", req.Path, ErrExists)
	}
	if parent != nil {
		return parent
	}
	if req.IfNoneMatch && exists || req.IfMatch != "" && (!exists || current.ETag != req.IfMatch) {
		return fmt.Errorf("backend: put %q: %w", req.Path, ErrPreconditionFailed)
	}
	return nil
}

// CheckFileDelete is the rule of DeleteFileTree: ifMatch, when not "",
// must be the ETag of the resource found (ErrPreconditionFailed).
func CheckFileDelete(f *File, ifMatch string) error {
	if ifMatch != "" && ifMatch != f.ETag {
		return fmt.Errorf("backend: delete %q: %w", f.Path, ErrPreconditionFailed)
	}
	return nil
}

// FileTreeTx is what TransferFileTree asks of a store: the steps of a
// COPY or MOVE of files, each the store's own SQL on one transaction and
// one calendar.
type FileTreeTx interface {
	// FindFile returns the file at path in either form (with or without
	// the trailing slash), without data; ErrNotFound if there is none.
	FindFile(path string) (*File, error)
	// CheckParent returns ErrMissingParent unless the parent of path is
	// an existing collection, or the calendar itself when calendarOK; then
	// ErrExists for a top-level collection named like a calendar object.
	CheckParent(path string, calendarOK bool) error
	// DeleteTree removes the tree at a canonical path with its dead
	// properties.
	DeleteTree(path string) error
	// DeleteTreeProps removes the dead properties of a tree, those a
	// deleted namesake left included.
	DeleteTreeProps(path string) error
	// MoveTree renames the tree at src (src included) to dst, files and
	// dead properties, keeping ETags and creation dates.
	MoveTree(src, dst string) error
	// CopyTree copies the tree at src to dst with its dead properties;
	// only the collection itself when shallow (Depth: 0).
	CopyTree(src, dst string, shallow bool) error
}

// TransferFileTree is CopyFileTree (move false) and MoveFileTree (move
// true) on a store's steps, in the store's one transaction: the
// destination's name must pass CheckNewPath (ErrInvalidName); the source
// must exist (ErrNotFound); the destination is canonical and must not
// overlap the source (ErrBadDestination); its parent must exist
// (ErrMissingParent); an existing destination needs Overwrite
// (ErrPreconditionFailed) and is deleted first (RFC 4918 §9.8.4, §9.9.3:
// "the destination resource is deleted as if by DELETE"). created is
// false when a destination was replaced.
func TransferFileTree(t *FileTransfer, move bool, tx FileTreeTx) (created bool, err error) {
	if err := CheckNewPath(t.Dst); err != nil {
		return false, err
	}
	src, err := tx.FindFile(t.Src)
	if err != nil {
		return false, err
	}
	dst := strings.TrimSuffix(t.Dst, "/")
	if src.IsCollection {
		dst += "/"
	}
	if FileOverlaps(src.Path, dst) {
		return false, fmt.Errorf("backend: %q onto %q: %w", src.Path, dst, ErrBadDestination)
	}
	if err := tx.CheckParent(dst, src.IsCollection); err != nil {
		return false, err
	}
	old, err := tx.FindFile(dst)
	switch {
	case err == nil && !t.Overwrite:
		return false, fmt.Errorf("backend: %q exists: %w", dst, ErrPreconditionFailed)
	case err == nil:
		if err := tx.DeleteTree(old.Path); err != nil {
			return false, err
		}
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	if err := tx.DeleteTreeProps(dst); err != nil {
		return false, err
	}
	if move {
		err = tx.MoveTree(src.Path, dst)
	} else {
		err = tx.CopyTree(src.Path, dst, t.Shallow && src.IsCollection)
	}
	return old == nil, err
}

// CheckClaim is the rule of ClaimMessages' arguments: a positive limit.
func CheckClaim(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("backend: claim messages: limit %d must be positive", limit)
	}
	return nil
}

// NewClaimToken returns a fresh token naming one ClaimMessages lease.
func NewClaimToken() string { return rand.Text() }

// SortMessages puts claimed messages oldest first, by id, as
// ClaimMessages returns them (an UPDATE … RETURNING promises no order).
func SortMessages(msgs []*OutboundMessage) {
	slices.SortFunc(msgs, func(a, b *OutboundMessage) int { return cmp.Compare(a.ID, b.ID) })
}

// CheckRetry is the rule of RetryMessage once the message's status is
// read: a sent message is not sent again (ErrPreconditionFailed).
func CheckRetry(id int64, status string) error {
	if status == MessageSent {
		return fmt.Errorf("backend: message %d was sent: %w", id, ErrPreconditionFailed)
	}
	return nil
}
