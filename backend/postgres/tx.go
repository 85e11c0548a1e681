package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kalends/kalends/backend"
)

// querier is what reads need: the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// principalLockClass is the first key of the advisory locks on principals,
// apart from the other lock classes of this store.
const principalLockClass = 1718183015

// Update implements backend.Store. A transaction that lost a race (a
// deadlock between schedulers) runs again.
func (s *Store) Update(ctx context.Context, fn func(tx backend.TxStore) error) error {
	return s.txRetry(ctx, func(tx pgx.Tx) error { return fn(&txStore{tx: tx}) })
}

// txStore is a backend.TxStore on one transaction.
type txStore struct{ tx pgx.Tx }

// savepoint runs a write under a savepoint: a refused write (a failed
// precondition the caller handles) leaves nothing of itself and does not
// abort the whole transaction.
func (t *txStore) savepoint(ctx context.Context, fn func(sp pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, t.tx, fn)
}

func (t *txStore) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	var res *backend.PutObjectResult
	err := t.savepoint(ctx, func(sp pgx.Tx) error {
		var err error
		res, err = putObject(ctx, sp, req)
		return err
	})
	return res, err
}

func (t *txStore) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	var rev int64
	err := t.savepoint(ctx, func(sp pgx.Tx) error {
		var err error
		rev, err = deleteObject(ctx, sp, calID, uri, ifMatch)
		return err
	})
	return rev, err
}

func (t *txStore) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	return getObject(ctx, t.tx, calID, uri)
}

func (t *txStore) ObjectByUID(ctx context.Context, calID int64, uid string) (*backend.Object, error) {
	return getObjectByUID(ctx, t.tx, calID, uid)
}

func (t *txStore) ObjectsByUID(ctx context.Context, principalID int64, uid string) ([]*backend.Object, error) {
	return t.ObjectsByUIDOf(ctx, []int64{principalID}, uid)
}

func (t *txStore) ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*backend.Object, error) {
	return objectsByUIDOf(ctx, t.tx, principalIDs, uid)
}

// ObjectsByUID implements backend.Store.
func (s *Store) ObjectsByUID(ctx context.Context, principalID int64, uid string) ([]*backend.Object, error) {
	return objectsByUIDOf(ctx, s.pool, []int64{principalID}, uid)
}

// ObjectsByUIDOf implements backend.Store.
func (s *Store) ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*backend.Object, error) {
	return objectsByUIDOf(ctx, s.pool, principalIDs, uid)
}

func objectsByUIDOf(ctx context.Context, db querier, principalIDs []int64, uid string) ([]*backend.Object, error) {
	rows, err := db.Query(ctx, `SELECT calendar_id, `+objectColumns+`, data FROM objects WHERE calendar_id IN
		(SELECT id FROM calendars WHERE principal_id = ANY($1) AND kind = 'calendar') AND uid = $2 ORDER BY calendar_id`,
		principalIDs, uid)
	if err != nil {
		return nil, fmt.Errorf("postgres: objects by UID: %w", err)
	}
	defer rows.Close()
	var out []*backend.Object
	for rows.Next() {
		var calID int64
		o, err := scanObject(prependScan(rows, &calID), 0, true)
		if err != nil {
			return nil, err
		}
		o.CalendarID = calID
		out = append(out, o)
	}
	return out, rows.Err()
}

func (t *txStore) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	return listObjects(ctx, t.tx, calID, opts)
}

func (t *txStore) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	return t.savepoint(ctx, func(sp pgx.Tx) error { return replaceInstances(ctx, sp, calID, uri, etag, idx, insts) })
}

func (t *txStore) UpdateCalendar(ctx context.Context, id int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	var out *backend.Calendar
	err := t.savepoint(ctx, func(sp pgx.Tx) error {
		var err error
		out, err = updateCalendar(ctx, sp, id, u)
		return err
	})
	return out, err
}

func (t *txStore) Calendar(ctx context.Context, principalID int64, uri string) (*backend.Calendar, error) {
	return getCalendar(ctx, t.tx, principalID, uri)
}

func (t *txStore) ListCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	return listCalendars(ctx, t.tx, principalID)
}

func (t *txStore) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	return calendarsOf(ctx, t.tx, principalIDs)
}

func (t *txStore) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	return instancesInRange(ctx, t.tx, calID, start, end)
}

// LockPrincipal implements backend.TxStore with a transaction-scoped
// advisory lock, which every server process on the database respects.
func (t *txStore) LockPrincipal(ctx context.Context, principalID int64) error {
	_, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)`, principalLockClass, principalID)
	if err != nil {
		return fmt.Errorf("postgres: lock principal: %w", err)
	}
	return nil
}

// QueueMessage implements backend.TxStore.
func (t *txStore) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	return t.QueueMail(ctx, m, []string{m.Recipient})
}

// QueueMail implements backend.TxStore: the text once, then a row per
// recipient in one statement, in the order of the array.
func (t *txStore) QueueMail(ctx context.Context, m *backend.OutboundMessage, recipients []string) error {
	if len(recipients) == 0 {
		return nil
	}
	err := t.tx.QueryRow(ctx, `INSERT INTO outbound_bodies (principal_id, data) VALUES ($1, $2) RETURNING id`,
		m.PrincipalID, string(m.Data)).Scan(&m.BodyID)
	if err != nil {
		return fmt.Errorf("postgres: queue message: %w", err)
	}
	err = t.tx.QueryRow(ctx, `WITH queued AS (
			INSERT INTO outbound_messages (principal_id, originator, recipient, method, uid, body_id)
			SELECT $1, $2, r.recipient, $3, $4, $5 FROM unnest($6::text[]) WITH ORDINALITY AS r (recipient, n) ORDER BY r.n
			RETURNING id)
		SELECT min(id) FROM queued`, m.PrincipalID, m.Originator, m.Method, m.UID, m.BodyID, recipients).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("postgres: queue message: %w", err)
	}
	m.Status = "pending"
	return nil
}

// OutboundMessages implements backend.MailQueue.
func (s *Store) OutboundMessages(ctx context.Context, principalID int64) ([]*backend.OutboundMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, principal_id, originator, recipient, method, uid, body_id, status, attempts,
		last_error, created_at FROM outbound_messages WHERE principal_id = $1 ORDER BY id`, principalID)
	if err != nil {
		return nil, fmt.Errorf("postgres: outbound messages: %w", err)
	}
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &m.BodyID, &m.Status,
			&m.Attempts, &m.LastError, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, loadBodies(ctx, s.pool, out)
}

// prependScan scans a leading column into first before the rest.
type prependScanner struct {
	r     pgx.Row
	first any
}

func prependScan(r pgx.Row, first any) pgx.Row { return prependScanner{r, first} }

func (p prependScanner) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }
