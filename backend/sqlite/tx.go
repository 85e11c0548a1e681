package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
)

// queryer is what reads need: the reader pool or a write transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Update implements backend.Store. SQLite has one writer: the whole
// function runs under the database's write lock (BEGIN IMMEDIATE), which
// is also what makes LockPrincipal hold.
func (s *Store) Update(ctx context.Context, fn func(tx backend.TxStore) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&txStore{tx: tx}) })
}

// txStore is a backend.TxStore on one write transaction.
type txStore struct{ tx *sql.Tx }

func (t *txStore) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	return putObject(ctx, t.tx, req)
}

func (t *txStore) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	return deleteObject(ctx, t.tx, calID, uri, ifMatch)
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
	if len(principalIDs) == 0 {
		return nil, nil
	}
	in, args := inList(principalIDs)
	rows, err := t.tx.QueryContext(ctx, `SELECT calendar_id, `+objectColumns+`, data FROM objects WHERE calendar_id IN
		(SELECT id FROM calendars WHERE principal_id IN `+in+` AND kind = 'calendar') AND uid = ? ORDER BY calendar_id`,
		append(args, uid)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: objects by UID: %w", err)
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

func (t *txStore) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	// No round trips to save in-process; a savepoint keeps a refused
	// batch from leaving part of itself behind.
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT put_objects`); err != nil {
		return nil, fmt.Errorf("sqlite: put objects: %w", err)
	}
	out := make([]*backend.PutObjectResult, len(reqs))
	for i, req := range reqs {
		res, err := putObject(ctx, t.tx, req)
		if err != nil {
			if _, rerr := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT put_objects; RELEASE SAVEPOINT put_objects`); rerr != nil {
				return nil, errors.Join(err, fmt.Errorf("sqlite: put objects: %w", rerr))
			}
			return nil, err
		}
		out[i] = res
	}
	if _, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT put_objects`); err != nil {
		return nil, fmt.Errorf("sqlite: put objects: %w", err)
	}
	return out, nil
}

func (t *txStore) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	return calendarsOf(ctx, t.tx, principalIDs)
}

// inList is "(?, ?, …)" for ids, with ids as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

func (t *txStore) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	return instancesInRange(ctx, t.tx, calID, start, end)
}

// LockPrincipal implements backend.TxStore: the transaction already holds
// the database's only write lock.
func (t *txStore) LockPrincipal(ctx context.Context, principalID int64) error { return nil }

func (t *txStore) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO outbound_messages (principal_id, originator, recipient, method, uid, data)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, m.PrincipalID, m.Originator, m.Recipient, m.Method, m.UID, string(m.Data)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("sqlite: queue message: %w", notFound(err))
	}
	m.Status = "pending"
	return nil
}

// OutboundMessages implements backend.Store.
func (s *Store) OutboundMessages(ctx context.Context, principalID int64) ([]*backend.OutboundMessage, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, principal_id, originator, recipient, method, uid, data, status, attempts,
		last_error, created_at FROM outbound_messages WHERE principal_id = ? ORDER BY id`, principalID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: outbound messages: %w", err)
	}
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		var data string
		var created sql.NullInt64
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &data, &m.Status,
			&m.Attempts, &m.LastError, &created); err != nil {
			return nil, err
		}
		m.Data, m.CreatedAt = []byte(data), fromUnix(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// prependScan scans a leading column into first before the rest.
type prependScanner struct {
	r     scanner
	first any
}

func prependScan(r scanner, first any) scanner { return prependScanner{r, first} }

func (p prependScanner) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }
