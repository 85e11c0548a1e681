package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
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

// savepoint runs a write under a savepoint: a refused write (a failed
// precondition the caller handles) leaves nothing of itself, such as the
// source of a MOVE deleted before the destination's check failed.
func (t *txStore) savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT tx_write`); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT tx_write; RELEASE SAVEPOINT tx_write`); rerr != nil {
			return errors.Join(err, fmt.Errorf("sqlite: savepoint: %w", rerr))
		}
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT tx_write`); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w", err)
	}
	return nil
}

func (t *txStore) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	var res *backend.PutObjectResult
	err := t.savepoint(ctx, func() error {
		var err error
		res, err = putObject(ctx, t.tx, req)
		return err
	})
	return res, err
}

func (t *txStore) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	var rev int64
	err := t.savepoint(ctx, func() error {
		var err error
		rev, err = deleteObject(ctx, t.tx, calID, uri, ifMatch)
		return err
	})
	return rev, err
}

func (t *txStore) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	return listObjects(ctx, t.tx, calID, opts)
}

func (t *txStore) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	return t.savepoint(ctx, func() error { return replaceInstances(ctx, t.tx, calID, uri, etag, idx, insts) })
}

func (t *txStore) UpdateCalendar(ctx context.Context, id int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	var out *backend.Calendar
	err := t.savepoint(ctx, func() error {
		var err error
		out, err = updateCalendar(ctx, t.tx, id, u)
		return err
	})
	return out, err
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
	return objectsByUIDOf(ctx, s.read, []int64{principalID}, uid)
}

// ObjectsByUIDOf implements backend.Store.
func (s *Store) ObjectsByUIDOf(ctx context.Context, principalIDs []int64, uid string) ([]*backend.Object, error) {
	return objectsByUIDOf(ctx, s.read, principalIDs, uid)
}

func objectsByUIDOf(ctx context.Context, db queryer, principalIDs []int64, uid string) ([]*backend.Object, error) {
	if len(principalIDs) == 0 {
		return nil, nil
	}
	in, args := inList(principalIDs)
	rows, err := db.QueryContext(ctx, `SELECT calendar_id, `+objectColumns+`, data FROM objects WHERE calendar_id IN
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

// PutObjects implements backend.Store: the transaction's PutObjects in a
// transaction of its own.
func (s *Store) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	var out []*backend.PutObjectResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = (&txStore{tx: tx}).PutObjects(ctx, reqs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (t *txStore) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	// No round trips to save in-process; a savepoint keeps a refused
	// batch from leaving part of itself behind.
	out := make([]*backend.PutObjectResult, len(reqs))
	err := t.savepoint(ctx, func() error {
		for i, req := range reqs {
			res, err := putObject(ctx, t.tx, req)
			if err != nil {
				return err
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
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

// QueueMessage implements backend.TxStore.
func (t *txStore) QueueMessage(ctx context.Context, m *backend.OutboundMessage) error {
	return t.QueueMail(ctx, m, []string{m.Recipient})
}

// QueueMail implements backend.TxStore: the text once, then a row per
// recipient in one statement (the recipients as one JSON array, in order).
func (t *txStore) QueueMail(ctx context.Context, m *backend.OutboundMessage, recipients []string) error {
	if len(recipients) == 0 {
		return nil
	}
	rcpts, err := json.Marshal(recipients)
	if err != nil {
		return err
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO outbound_bodies (principal_id, data) VALUES (?, ?) RETURNING id`,
		m.PrincipalID, string(m.Data)).Scan(&m.BodyID)
	if err != nil {
		return fmt.Errorf("sqlite: queue message: %w", notFound(err))
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO outbound_messages (principal_id, originator, recipient, method, uid, body_id)
		SELECT ?, ?, value, ?, ?, ? FROM json_each(?) ORDER BY key`,
		m.PrincipalID, m.Originator, m.Method, m.UID, m.BodyID, string(rcpts))
	if err != nil {
		return fmt.Errorf("sqlite: queue message: %w", notFound(err))
	}
	// One statement of the only writer takes consecutive AUTOINCREMENT
	// ids in the order of the SELECT: the first recipient's is m's.
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: queue message: %w", err)
	}
	m.ID = last - int64(len(recipients)) + 1
	m.Status = "pending"
	return nil
}

// OutboundMessages implements backend.MailQueue.
func (s *Store) OutboundMessages(ctx context.Context, principalID int64) ([]*backend.OutboundMessage, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, principal_id, originator, recipient, method, uid, body_id, status, attempts,
		last_error, created_at FROM outbound_messages WHERE principal_id = ? ORDER BY id`, principalID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: outbound messages: %w", err)
	}
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		var created sql.NullInt64
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &m.BodyID, &m.Status,
			&m.Attempts, &m.LastError, &created); err != nil {
			return nil, err
		}
		m.CreatedAt = fromUnix(created)
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, loadBodies(ctx, s.read, out)
}

// prependScan scans a leading column into first before the rest.
type prependScanner struct {
	r     scanner
	first any
}

func prependScan(r scanner, first any) scanner { return prependScanner{r, first} }

func (p prependScanner) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }
