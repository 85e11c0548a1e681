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

func (t *txStore) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	// A savepoint keeps a refused write (a failed precondition the
	// caller handles) from aborting the whole transaction.
	var res *backend.PutObjectResult
	err := pgx.BeginFunc(ctx, t.tx, func(sp pgx.Tx) error {
		var err error
		res, err = putObject(ctx, sp, req)
		return err
	})
	return res, err
}

func (t *txStore) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	var rev int64
	err := pgx.BeginFunc(ctx, t.tx, func(sp pgx.Tx) error {
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
	rows, err := t.tx.Query(ctx, `SELECT calendar_id, `+objectColumns+`, data FROM objects WHERE calendar_id IN
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

func (t *txStore) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO outbound_messages (principal_id, originator, recipient, method, uid, data)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.PrincipalID, m.Originator, m.Recipient, m.Method, m.UID, string(m.Data)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("postgres: queue message: %w", err)
	}
	m.Status = "pending"
	return nil
}

// OutboundMessages implements backend.Store.
func (s *Store) OutboundMessages(ctx context.Context, principalID int64) ([]*backend.OutboundMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, principal_id, originator, recipient, method, uid, data, status, attempts,
		last_error, created_at FROM outbound_messages WHERE principal_id = $1 ORDER BY id`, principalID)
	if err != nil {
		return nil, fmt.Errorf("postgres: outbound messages: %w", err)
	}
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		var data string
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &data, &m.Status,
			&m.Attempts, &m.LastError, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.Data, m.CreatedAt = []byte(data), m.CreatedAt.UTC()
		out = append(out, &m)
	}
	return out, rows.Err()
}

// prependScan scans a leading column into first before the rest.
type prependScanner struct {
	r     pgx.Row
	first any
}

func prependScan(r pgx.Row, first any) pgx.Row { return prependScanner{r, first} }

func (p prependScanner) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }
