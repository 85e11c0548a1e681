package caldav

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/kalends/kalends/backend"
)

// callCounter counts the calls a request makes to its store, inside
// transactions too: each is at least one database round trip, so the
// count is what a benchmark reports as the steady measure of a request's
// cost. Methods a request path does not use pass through uncounted.
type callCounter struct {
	backend.Store
	calls atomic.Int64
}

func (s *callCounter) count() { s.calls.Add(1) }

func (s *callCounter) Principal(ctx context.Context, kind backend.PrincipalKind, name string) (*backend.Principal, error) {
	s.count()
	return s.Store.Principal(ctx, kind, name)
}

func (s *callCounter) PrincipalByID(ctx context.Context, id int64) (*backend.Principal, error) {
	s.count()
	return s.Store.PrincipalByID(ctx, id)
}

func (s *callCounter) PrincipalsByEmail(ctx context.Context, emails []string) ([]*backend.Principal, error) {
	s.count()
	return s.Store.PrincipalsByEmail(ctx, emails)
}

func (s *callCounter) PrincipalByEmail(ctx context.Context, email string) (*backend.Principal, error) {
	s.count()
	return s.Store.PrincipalByEmail(ctx, email)
}

func (s *callCounter) Credentials(ctx context.Context, name string) (int64, string, error) {
	s.count()
	return s.Store.Credentials(ctx, name)
}

func (s *callCounter) ProvisionHome(ctx context.Context, id int64, cols []*backend.Calendar) (bool, error) {
	s.count()
	return s.Store.ProvisionHome(ctx, id, cols)
}

func (s *callCounter) Calendar(ctx context.Context, principalID int64, uri string) (*backend.Calendar, error) {
	s.count()
	return s.Store.Calendar(ctx, principalID, uri)
}

func (s *callCounter) ListCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	s.count()
	return s.Store.ListCalendars(ctx, principalID)
}

func (s *callCounter) Properties(ctx context.Context, calID int64, uri string) ([]backend.Property, error) {
	s.count()
	return s.Store.Properties(ctx, calID, uri)
}

func (s *callCounter) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	s.count()
	return s.Store.PutObject(ctx, req)
}

func (s *callCounter) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	s.count()
	return s.Store.Object(ctx, calID, uri)
}

func (s *callCounter) ObjectByUID(ctx context.Context, calID int64, uid string) (*backend.Object, error) {
	s.count()
	return s.Store.ObjectByUID(ctx, calID, uid)
}

func (s *callCounter) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	s.count()
	return s.Store.ListObjects(ctx, calID, opts)
}

func (s *callCounter) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	s.count()
	return s.Store.DeleteObject(ctx, calID, uri, ifMatch)
}

func (s *callCounter) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	s.count()
	return s.Store.InstancesInRange(ctx, calID, start, end)
}

func (s *callCounter) FreeBusy(ctx context.Context, calIDs []int64, start, end time.Time) (*backend.FreeBusy, error) {
	s.count()
	return s.Store.FreeBusy(ctx, calIDs, start, end)
}

func (s *callCounter) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	s.count()
	return s.Store.CalendarsOf(ctx, principalIDs)
}

// Update counts the transaction itself (begin and commit) and every call
// made in it.
func (s *callCounter) Update(ctx context.Context, fn func(tx backend.TxStore) error) error {
	s.count()
	return s.Store.Update(ctx, func(tx backend.TxStore) error { return fn(&countedTx{tx, s}) })
}

// countedTx counts the calls of one transaction into its store's count.
type countedTx struct {
	tx backend.TxStore
	s  *callCounter
}

func (t *countedTx) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	t.s.count()
	return t.tx.PutObject(ctx, req)
}

func (t *countedTx) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	t.s.count()
	return t.tx.DeleteObject(ctx, calID, uri, ifMatch)
}

func (t *countedTx) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	t.s.count()
	return t.tx.Object(ctx, calID, uri)
}

func (t *countedTx) ObjectByUID(ctx context.Context, calID int64, uid string) (*backend.Object, error) {
	t.s.count()
	return t.tx.ObjectByUID(ctx, calID, uid)
}

func (t *countedTx) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	t.s.count()
	return t.tx.PutObjects(ctx, reqs)
}

func (t *countedTx) ObjectsByUID(ctx context.Context, principalID int64, uid string) ([]*backend.Object, error) {
	t.s.count()
	return t.tx.ObjectsByUID(ctx, principalID, uid)
}

func (t *countedTx) ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*backend.Object, error) {
	t.s.count()
	return t.tx.ObjectsByUIDOf(ctx, principalIDs, uid)
}

func (t *countedTx) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	t.s.count()
	return t.tx.CalendarsOf(ctx, principalIDs)
}

func (t *countedTx) Calendar(ctx context.Context, principalID int64, uri string) (*backend.Calendar, error) {
	t.s.count()
	return t.tx.Calendar(ctx, principalID, uri)
}

func (t *countedTx) ListCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	t.s.count()
	return t.tx.ListCalendars(ctx, principalID)
}

func (t *countedTx) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	t.s.count()
	return t.tx.InstancesInRange(ctx, calID, start, end)
}

func (t *countedTx) LockPrincipal(ctx context.Context, principalID int64) error {
	t.s.count()
	return t.tx.LockPrincipal(ctx, principalID)
}

func (t *countedTx) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	t.s.count()
	return t.tx.QueueMessage(ctx, m)
}

func (t *countedTx) QueueMail(ctx context.Context, m *backend.OutboundMessage, recipients []string) error {
	t.s.count()
	return t.tx.QueueMail(ctx, m, recipients)
}

func (t *countedTx) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	t.s.count()
	return t.tx.ListObjects(ctx, calID, opts)
}

func (t *countedTx) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	t.s.count()
	return t.tx.ReplaceInstances(ctx, calID, uri, etag, idx, insts)
}

func (t *countedTx) UpdateCalendar(ctx context.Context, calID int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	t.s.count()
	return t.tx.UpdateCalendar(ctx, calID, u)
}
