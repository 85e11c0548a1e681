package backend

import (
	"context"
	"encoding/xml"
	"slices"
	"time"
)

// Store is the storage of Kalends: every role a store plays, each a small
// interface of its own so that a consumer can ask for the narrowest one
// it needs (a feed handler takes Feeds, the outbox worker MailQueue) and
// a wrapper around a store (metrics, tracing) embeds the roles and keeps
// every feature. No role is optional: both stores implement them all, and
// none is discovered by a type assertion.
//
// Every method is safe for concurrent use. Each write method is one
// transaction: it commits whole or leaves nothing behind. Methods return
// ErrNotFound for missing rows, never (nil, nil).
type Store interface {
	Database
	Principals
	Delegations
	Calendars
	Objects
	Files
	Feeds
	MailQueue
}

// Database is what is left of a store once its entities are grouped: the
// connection itself and transactions spanning several roles.
type Database interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
	// Update runs fn in one transaction, committing if fn returns nil. fn
	// may be run again when the transaction lost a race (a deadlock), so it
	// must not act outside tx.
	Update(ctx context.Context, fn func(tx TxStore) error) error
}

// Principals are the users, rooms and resources, with their calendar user
// addresses and passwords.
type Principals interface {
	// CreatePrincipal inserts p (ID and CreatedAt are set on return) with
	// the given password hash ("" for principals that cannot log in).
	// ErrExists when the kind+name or one of the e-mail addresses is taken.
	CreatePrincipal(ctx context.Context, p *Principal, passwordHash string) error
	// Principal returns the principal of that kind and name.
	Principal(ctx context.Context, kind PrincipalKind, name string) (*Principal, error)
	// PrincipalByID returns the principal with that id.
	PrincipalByID(ctx context.Context, id int64) (*Principal, error)
	// PrincipalByEmail returns the principal owning that calendar user address.
	PrincipalByEmail(ctx context.Context, email string) (*Principal, error)
	// PrincipalsByEmail returns the principals owning any of the calendar
	// user addresses (compared as NormalizeEmail does), each once, in no
	// particular order; addresses nobody owns are left out. One query where
	// resolving a meeting's attendees would otherwise take one each.
	PrincipalsByEmail(ctx context.Context, emails []string) ([]*Principal, error)
	// ListPrincipals lists principals of one kind ("" = all) ordered by kind, name.
	ListPrincipals(ctx context.Context, kind PrincipalKind) ([]*Principal, error)
	// UpdatePrincipal replaces the display name, e-mail addresses, admin
	// flag, capacity and location of p.ID. ErrExists if an address is taken.
	UpdatePrincipal(ctx context.Context, p *Principal) error
	// DeletePrincipal removes a principal with all its collections and objects.
	DeletePrincipal(ctx context.Context, id int64) error
	// SetPassword replaces a principal's password hash.
	SetPassword(ctx context.Context, id int64, passwordHash string) error
	// Credentials returns the user's id and password hash for logging in.
	Credentials(ctx context.Context, userName string) (id int64, passwordHash string, err error)
}

// Delegations are the grants letting one principal act for another (see
// Delegation). The rules a grant must follow are ValidateDelegations'.
type Delegations interface {
	// SetDelegate lets delegateID act for principalID, read-only or
	// read-write, replacing an earlier grant between the two. ErrNotFound
	// if either principal does not exist, ErrSelfDelegation if they are one.
	SetDelegate(ctx context.Context, d Delegation) error
	// ReplaceDelegates makes delegateIDs the whole set of principalID's
	// delegates of one kind (read-write when write, else read-only), in one
	// transaction: grants of that kind not listed are revoked, and a listed
	// delegate holding the other kind is moved. ErrNotFound if a principal
	// does not exist, ErrSelfDelegation if principalID is listed; nothing
	// changes then.
	ReplaceDelegates(ctx context.Context, principalID int64, write bool, delegateIDs []int64) error
	// RemoveDelegate revokes a grant. ErrNotFound when there was none.
	RemoveDelegate(ctx context.Context, principalID, delegateID int64) error
	// Delegates lists who may act for a principal, ordered by delegate id.
	Delegates(ctx context.Context, principalID int64) ([]Delegation, error)
	// DelegatedTo lists whom a delegate may act for, ordered by principal id.
	DelegatedTo(ctx context.Context, delegateID int64) ([]Delegation, error)
}

// CalendarReader reads the collections of principals' homes. Both Store
// and TxStore offer it: scheduling finds the calendars of the people it
// delivers to inside its transaction.
type CalendarReader interface {
	// Calendar returns one collection of a principal's home.
	Calendar(ctx context.Context, principalID int64, uri string) (*Calendar, error)
	// ListCalendars returns a principal's collections ordered by URI.
	ListCalendars(ctx context.Context, principalID int64) ([]*Calendar, error)
	// CalendarsOf returns the collections of several principals at once,
	// ordered by principal id and URI.
	CalendarsOf(ctx context.Context, principalIDs []int64) ([]*Calendar, error)
}

// CalendarUpdater changes a collection's settings. Both Store and TxStore
// offer it: a change of a calendar's time zone and the re-indexing of its
// objects (ListObjects, ReplaceInstances) can be one transaction.
type CalendarUpdater interface {
	// UpdateCalendar applies u atomically and returns the updated calendar.
	UpdateCalendar(ctx context.Context, calendarID int64, u *CalendarUpdate) (*Calendar, error)
}

// Calendars are the collections of principals' homes (calendars, the
// scheduling inbox and outbox), their dead properties, change logs and
// busy time.
type Calendars interface {
	CalendarReader
	CalendarUpdater

	// ProvisionHome creates the given collections in a principal's home the
	// first time it is called for that principal and reports whether it did.
	// Later calls do nothing, even if the user deleted the collections since
	// (the rule is ProvisionHomeOnce's).
	ProvisionHome(ctx context.Context, principalID int64, collections []*Calendar) (bool, error)
	// CreateCalendar inserts c with its initial dead properties (ID,
	// Revision and timestamps set on return), in one transaction. ErrExists
	// when the home already has a collection with that URI.
	CreateCalendar(ctx context.Context, c *Calendar, props []Property) error
	// DeleteCalendar removes a collection and everything in it.
	DeleteCalendar(ctx context.Context, calendarID int64) error
	// Properties returns the dead properties of a collection (objectURI "")
	// or of one of its objects.
	Properties(ctx context.Context, calendarID int64, objectURI string) ([]Property, error)
	// PatchObjectProperties sets and removes dead properties of an object
	// atomically. ErrNotFound if the object does not exist.
	PatchObjectProperties(ctx context.Context, calendarID int64, objectURI string, set []Property, remove []xml.Name) error
	// HomeProperties returns the dead properties of a principal's calendar
	// home, ordered by name.
	HomeProperties(ctx context.Context, principalID int64) ([]Property, error)
	// PatchHomeProperties sets and removes dead properties of a
	// principal's calendar home atomically. ErrNotFound if there is no
	// such principal.
	//
	// Every write of dead properties (this one, PatchObjectProperties,
	// UpdateCalendar, CreateCalendar, the file methods) keeps the bounds
	// of CheckPropertySet and CheckPropertyUsage: ErrPropertyLimit, and
	// nothing written, when it would pass them.
	PatchHomeProperties(ctx context.Context, principalID int64, set []Property, remove []xml.Name) error
	// Usage returns the bytes used by a collection's objects.
	Usage(ctx context.Context, calendarID int64) (int64, error)
	// Changes returns the latest change of each URI changed after revision
	// since, ordered by revision, at most limit of them (0 = all); see
	// ChangeSet. ErrInvalidSyncToken if since is above the current revision.
	Changes(ctx context.Context, calendarID int64, since int64, limit int) (*ChangeSet, error)
	// HomeRevision returns the revision of a principal's calendar home
	// (0 for a home nothing was ever written to): every change below the
	// home increases it, and the collections' revisions are drawn from it.
	HomeRevision(ctx context.Context, principalID int64) (int64, error)
	// HomeChanges returns the latest change of each collection of a
	// principal's home, and with q.Objects of each object in them, made
	// after home revision q.Since, ordered by revision (see HomeChangeSet):
	// the home's change log, read at a cost that grows with the number of
	// changes, not with the size of the home. ErrInvalidSyncToken if
	// q.Since is above the home's revision.
	HomeChanges(ctx context.Context, principalID int64, q HomeChangesQuery) (*HomeChangeSet, error)
	// FreeBusy reads the busy time of several calendars over [start, end)
	// (see FreeBusy) in one call, from the instance index without reading
	// the objects it answers for.
	FreeBusy(ctx context.Context, calendarIDs []int64, start, end time.Time) (*FreeBusy, error)
}

// Objects are the calendar objects (events, tasks, journals, free-busy,
// scheduling messages) and their indexed occurrences. Both Store and
// TxStore offer the whole role: code that puts or reads objects takes
// Objects and is given either the store (one transaction per call) or a
// transaction of Store.Update. The write preconditions are CheckPut's,
// CheckIfMatch's and CheckReindex's.
type Objects interface {
	// PutObject creates or replaces an object with its instances, bumps the
	// collection's revision and appends to its change log, in one transaction.
	// Errors: ErrNotFound (no such calendar, or no MoveFrom source),
	// ErrPreconditionFailed (a condition of req failed), *UIDConflictError
	// (UID used by another URI). Inside a transaction a refused write
	// leaves nothing of itself and the transaction usable.
	PutObject(ctx context.Context, req *PutObjectRequest) (*PutObjectResult, error)
	// PutObjects is PutObject of several objects, in order, in one call:
	// the same checks, results and errors. The first failure fails the
	// call and leaves nothing of it written (a transaction remains
	// usable). A store may send the writes together: a scheduling write
	// of a dozen copies and inbox messages then costs a few round trips,
	// not a few per object.
	PutObjects(ctx context.Context, reqs []*PutObjectRequest) ([]*PutObjectResult, error)
	// DeleteObject removes an object, its instances and dead properties and
	// logs the deletion. ifMatch, when not "", must equal the current ETag.
	// The calendar's ModifiedAt becomes the time of the deletion, which no
	// remaining object's time would show (an exported calendar's
	// Last-Modified). Returns the new collection revision.
	DeleteObject(ctx context.Context, calendarID int64, uri string, ifMatch string) (int64, error)
	// Object returns one object with its data.
	Object(ctx context.Context, calendarID int64, uri string) (*Object, error)
	// ObjectByUID returns the object of that UID in a calendar.
	ObjectByUID(ctx context.Context, calendarID int64, uid string) (*Object, error)
	// ObjectsByUID returns, with their data, the objects of that UID in all
	// the principal's calendar collections (not its inbox): one query where
	// scheduling would otherwise ask each calendar in turn.
	ObjectsByUID(ctx context.Context, principalID int64, uid string) ([]*Object, error)
	// ObjectsByUIDOf is ObjectsByUID for several principals at once,
	// ordered by collection id: one query for all the recipients of a
	// meeting.
	ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*Object, error)
	// ListObjects returns objects of a calendar ordered by URI (see
	// ListOptions); missing URIs are simply absent from the result.
	ListObjects(ctx context.Context, calendarID int64, opts *ListOptions) ([]*Object, error)
	// ReplaceInstances rewrites the indexed occurrences of an object whose
	// ETag is still etag (re-indexing after a change of the calendar's time
	// zone). ErrNotFound if the object is gone, ErrPreconditionFailed if it
	// changed since it was read. A non-nil idx also rewrites the time
	// columns of the object's index (start, end, series span and the
	// indexed window, which the re-index computed anew); nil keeps them.
	ReplaceInstances(ctx context.Context, calendarID int64, uri, etag string, idx *ObjectIndex, instances []Instance) error
	// InstancesInRange returns the URIs of a calendar's objects having an
	// indexed occurrence overlapping [start, end).
	InstancesInRange(ctx context.Context, calendarID int64, start, end time.Time) ([]InstanceRef, error)
}

// PutObjectRequest is one write of a calendar object. Callers fill Object
// (URI, UID, Component, Data, Index, Instances); the store sets its ETag,
// Size and timestamps.
type PutObjectRequest struct {
	CalendarID int64
	Object     *Object
	// IfMatch, when not "", must equal the stored ETag (RFC 9110 §13.1.1).
	IfMatch string
	// IfNoneMatch: the object must not exist yet (If-None-Match: *).
	IfNoneMatch bool
	// IfScheduleTagMatch, when not "", must equal the stored schedule tag
	// (RFC 6638 §8.3).
	IfScheduleTagMatch string
	// MoveFrom, when set, names an object deleted in the same transaction
	// (a MOVE): it is removed first, so the moved object may keep its UID
	// in the same calendar. ErrNotFound if it does not exist,
	// ErrPreconditionFailed if its ETag is not MoveFrom.IfMatch,
	// ErrBadDestination if it is the object being written.
	MoveFrom *ObjectRef
}

// ObjectRef names an object, with an optional ETag it must have.
type ObjectRef struct {
	CalendarID int64
	URI        string
	IfMatch    string
}

// PutObjectResult says what PutObject did.
type PutObjectResult struct {
	Created  bool
	ETag     string
	Revision int64 // the collection's revision after the write
}

// ListOptions selects what ListObjects returns.
type ListOptions struct {
	URIs       []string // only these URIs (nil = all)
	Components []string // only these component types (nil = all)
	WithData   bool     // load the iCalendar text
	// Unindexed, when not zero, keeps only the objects whose occurrences
	// before that instant the index may not hold: series indexed up to an
	// earlier IndexedUntil that go on after it, and tasks with neither
	// DTSTART nor DUE (RFC 4791 §9.9 matches those by other properties).
	// With UnindexedFrom it selects the objects whose occurrences in
	// [UnindexedFrom, Unindexed) the index may not hold: also the series
	// indexed from a later IndexedFrom that begin before it.
	Unindexed time.Time
	// UnindexedFrom is the start of the range Unindexed asks about; zero
	// means the beginning of time, which every series' index holds only
	// when it begins with the series.
	UnindexedFrom time.Time
}

// WantsComponent reports whether the options select objects of component
// type c (Components nil selects every type).
func (o *ListOptions) WantsComponent(c string) bool {
	return o.Components == nil || slices.Contains(o.Components, c)
}

// ChangeSet is the answer to Changes.
type ChangeSet struct {
	Changes []Change
	// Revision is the revision the caller is now in sync with: the
	// collection's current revision, or when the result was cut at limit,
	// the revision of the last change returned.
	Revision int64
	// Truncated is true when more changes remain after Revision.
	Truncated bool
}

// HomeChangesQuery selects what HomeChanges returns.
type HomeChangesQuery struct {
	Since   int64 // the home revision the caller is in sync with (0: none)
	Objects bool  // also the changes of objects (RFC 6578 sync-level infinite)
	Limit   int   // at most this many changes (0 = all); see LimitHomeChanges
}

// HomeChange is one entry of a home's change log: a collection, or an
// object of one.
type HomeChange struct {
	Collection string // the collection's URI in the home
	Object     string // the object's URI in the collection, "" for the collection itself
	Revision   int64
	Deleted    bool
}

// HomeChangeSet is the answer to HomeChanges. A collection is listed when
// it was created, deleted or its properties changed, and also when one of
// its objects changed (its getctag and sync-token changed with it), at the
// revision of its latest change; a deleted collection's objects are not
// listed, only the collection.
type HomeChangeSet struct {
	Changes []HomeChange
	// Revision is the home revision the caller is now in sync with: the
	// home's current revision, or when the result was cut at the limit,
	// the revision of the last change returned.
	Revision  int64
	Truncated bool // more changes remain after Revision
}

// InstanceRef is one indexed occurrence found by InstancesInRange, with
// the metadata of its object (enough to answer a query for ETags without
// another read).
type InstanceRef struct {
	URI          string
	Component    string
	ETag         string
	Size         int64
	CreatedAt    time.Time
	ModifiedAt   time.Time
	Start, End   time.Time
	RecurrenceID time.Time
	Transparent  bool
	Status       string
	BusyType     string
}
