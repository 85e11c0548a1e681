package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kalends/kalends/backend"
)

// errRetry asks txRetry to run the transaction again: it lost a race that a
// fresh attempt resolves (two creations of one URI).
var errRetry = errors.New("postgres: retry")

// maxAttempts bounds the retries of a write that lost a race.
const maxAttempts = 4

// txRetry runs fn in a transaction, again when it lost a race: a deadlock,
// a serialization failure, or errRetry.
func (s *Store) txRetry(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.tx(ctx, fn)
		var pe *pgconn.PgError
		retry := errors.Is(err, errRetry) || (errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001"))
		if !retry {
			return err
		}
	}
	return fmt.Errorf("postgres: write lost %d races: %w", maxAttempts, err)
}

// PutObject implements backend.Store. Rows are locked in one order by
// every write — objects first, collections last (logChange) — so writers
// of one collection wait on each other only for the final statement and
// the commit.
func (s *Store) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	var res *backend.PutObjectResult
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = putObject(ctx, tx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// putObject writes an object within tx; the rules are backend.CheckObjectRequest,
// backend.CheckIfMatch (the source of a move) and backend.CheckPut.
func putObject(ctx context.Context, tx pgx.Tx, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	o := req.Object
	if err := backend.CheckObjectRequest(req); err != nil {
		return nil, err
	}
	if m := req.MoveFrom; m != nil {
		if err := deleteObjectRow(ctx, tx, m.CalendarID, m.URI, m.IfMatch); err != nil {
			return nil, err
		}
	}
	// One query finds the resource itself and any other holding the UID.
	rows, err := tx.Query(ctx, `SELECT id, uri, uid, etag, schedule_tag, created_at FROM objects
		WHERE calendar_id = $1 AND (uri = $2 OR uid = $3) FOR UPDATE`, req.CalendarID, o.URI, o.UID)
	if err != nil {
		return nil, fmt.Errorf("postgres: put object: %w", err)
	}
	f, err := scanStored(rows, o.URI)
	if err != nil {
		return nil, err
	}
	if err := backend.CheckPut(req, f.current, f.uidHolder); err != nil {
		return nil, err
	}
	res := backend.PrepareObject(req, f.current, time.Now())
	if f.current != nil {
		err = updateObject(ctx, tx, req.CalendarID, f.id, o, o.ModifiedAt)
	} else {
		err = insertObject(ctx, tx, req.CalendarID, o, o.ModifiedAt)
	}
	if err != nil {
		return nil, err
	}
	if m := req.MoveFrom; m != nil && m.CalendarID < req.CalendarID {
		// Collections are locked in id order, so two opposite moves
		// cannot deadlock.
		if _, err := logChange(ctx, tx, m.CalendarID, m.URI, true); err != nil {
			return nil, err
		}
	}
	if m := req.MoveFrom; m != nil && m.CalendarID == req.CalendarID {
		// The deletion comes first in the collection's history.
		if _, err := logChange(ctx, tx, m.CalendarID, m.URI, true); err != nil {
			return nil, err
		}
	}
	if res.Revision, err = logChange(ctx, tx, req.CalendarID, o.URI, false); err != nil {
		return nil, err
	}
	if m := req.MoveFrom; m != nil && m.CalendarID > req.CalendarID {
		if _, err := logChange(ctx, tx, m.CalendarID, m.URI, true); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// stored is what the lock query of a put found: the resource at the URI
// (current, nil if none, with its row id) and another resource of the
// collection holding the UID.
type stored struct {
	id        int64
	current   *backend.Object
	uidHolder string
}

// scanStored reads the rows of the lock query (id, uri, uid, etag,
// schedule_tag, created_at) of a put of uri, and closes them.
func scanStored(rows pgx.Rows, uri string) (stored, error) {
	defer rows.Close()
	var f stored
	for rows.Next() {
		var id int64
		o := &backend.Object{}
		if err := rows.Scan(&id, &o.URI, &o.UID, &o.ETag, &o.Index.ScheduleTag, &o.CreatedAt); err != nil {
			return f, fmt.Errorf("postgres: put object: %w", err)
		}
		if o.URI == uri {
			f.id, f.current = id, o
		} else {
			f.uidHolder = o.URI
		}
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("postgres: put object: %w", err)
	}
	return f, nil
}

// instanceArrays are the unnest parameters of an object's occurrences.
func instanceArrays(insts []backend.Instance) []any {
	n := len(insts)
	starts, ends := make([]time.Time, n), make([]time.Time, n)
	rids := make([]*time.Time, n)
	transp := make([]bool, n)
	status, busy := make([]string, n), make([]string, n)
	for i, in := range insts {
		starts[i], ends[i], rids[i], transp[i], status[i], busy[i] = in.Start, in.End, ts(in.RecurrenceID), in.Transparent, in.Status, in.BusyType
	}
	return []any{starts, ends, rids, transp, status, busy}
}

const unnestInstances = `unnest($3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::boolean[], $7::text[], $8::text[])`

// updateObject rewrites an object and its occurrences in one statement.
func updateObject(ctx context.Context, tx pgx.Tx, calID, id int64, o *backend.Object, now time.Time) error {
	sql, args := updateObjectSQL(calID, id, o, now)
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("postgres: put object: %w", writeError(err))
	}
	return nil
}

// updateObjectSQL is the statement of updateObject and its arguments.
func updateObjectSQL(calID, id int64, o *backend.Object, now time.Time) (string, []any) {
	ix := &o.Index
	args := append([]any{id, calID}, instanceArrays(o.Instances)...)
	args = append(args, o.UID, o.Component, string(o.Data), o.ETag, o.Size, now, ts(ix.Start), ts(ix.End), ts(ix.FirstStart),
		ts(ix.LastEnd), ix.AllDay, ix.Organizer, ix.Sequence, ix.ScheduleTag, ix.Transparent, ix.Status, ts(ix.IndexedUntil), ts(ix.IndexedFrom))
	return `WITH u AS (UPDATE objects SET uid = $9, component = $10, data = $11, etag = $12, size = $13,
			modified_at = $14, dtstart = $15, dtend = $16, first_start = $17, last_end = $18, all_day = $19, organizer = $20,
			sequence = $21, schedule_tag = $22, transparent = $23, status = $24, indexed_until = $25, indexed_from = $26 WHERE id = $1),
		d AS (DELETE FROM instances WHERE object_id = $1)
		INSERT INTO instances (object_id, calendar_id, start_at, end_at, recurrence_id, transparent, status, busy_type)
		SELECT $1, $2, * FROM ` + unnestInstances, args
}

// insertObject creates an object with its occurrences in one statement,
// dropping the dead properties a deleted namesake may have left.
func insertObject(ctx context.Context, tx pgx.Tx, calID int64, o *backend.Object, now time.Time) error {
	sql, args := insertObjectSQL(calID, o, now)
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("postgres: put object: %w", writeError(err))
	}
	return nil
}

// insertObjectSQL is the statement of insertObject and its arguments.
func insertObjectSQL(calID int64, o *backend.Object, now time.Time) (string, []any) {
	ix := &o.Index
	args := append([]any{o.URI, calID}, instanceArrays(o.Instances)...)
	args = append(args, o.UID, o.Component, string(o.Data), o.ETag, o.Size, now, ts(ix.Start), ts(ix.End), ts(ix.FirstStart),
		ts(ix.LastEnd), ix.AllDay, ix.Organizer, ix.Sequence, ix.ScheduleTag, ix.Transparent, ix.Status, ts(ix.IndexedUntil), ts(ix.IndexedFrom))
	return `WITH p AS (DELETE FROM properties WHERE calendar_id = $2 AND object_uri = $1),
		o AS (INSERT INTO objects (calendar_id, uri, uid, component, data, etag, size, created_at, modified_at, dtstart, dtend,
			first_start, last_end, all_day, organizer, sequence, schedule_tag, transparent, status, indexed_until, indexed_from)
			VALUES ($2, $1, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id)
		INSERT INTO instances (object_id, calendar_id, start_at, end_at, recurrence_id, transparent, status, busy_type)
		SELECT o.id, $2, u.* FROM o, ` + unnestInstances + ` AS u`, args
}

// writeError maps constraint violations of an object write: a concurrent
// creation of the same URI or UID is retried (the next attempt sees it and
// answers precisely); a missing collection is ErrNotFound.
func writeError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errRetry
		case "23503":
			return backend.ErrNotFound
		}
	}
	return err
}

// deleteObjectRow removes an object and its dead properties without
// logging: the caller logs the change after its other row locks.
func deleteObjectRow(ctx context.Context, tx pgx.Tx, calID int64, uri, ifMatch string) error {
	// The row is deleted and read in one statement; a refusal rolls the
	// deletion back with the caller's transaction or savepoint.
	var cur *backend.Object
	var etag string
	err := tx.QueryRow(ctx, `DELETE FROM objects WHERE calendar_id = $1 AND uri = $2 RETURNING etag`, calID, uri).Scan(&etag)
	switch {
	case err == nil:
		cur = &backend.Object{URI: uri, ETag: etag}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: delete object: %w", err)
	}
	if err := backend.CheckIfMatch(uri, cur, ifMatch); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM properties WHERE calendar_id = $1 AND object_uri = $2`, calID, uri); err != nil {
		return fmt.Errorf("postgres: delete object: %w", err)
	}
	return nil
}
