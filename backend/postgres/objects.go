package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

const objectColumns = `uri, uid, component, etag, size, date_trunc('second', created_at), date_trunc('second', modified_at),
	dtstart, dtend, first_start, last_end, all_day, organizer, sequence, schedule_tag, transparent, status, indexed_until, indexed_from`

func scanObject(r pgx.Row, calID int64, withData bool) (*backend.Object, error) {
	o := backend.Object{CalendarID: calID}
	var start, end, first, last, until, from *time.Time
	dest := []any{&o.URI, &o.UID, &o.Component, &o.ETag, &o.Size, &o.CreatedAt, &o.ModifiedAt, &start, &end, &first, &last,
		&o.Index.AllDay, &o.Index.Organizer, &o.Index.Sequence, &o.Index.ScheduleTag, &o.Index.Transparent, &o.Index.Status, &until, &from}
	var data string
	if withData {
		dest = append(dest, &data)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if withData {
		o.Data = []byte(data)
	}
	o.CreatedAt, o.ModifiedAt = o.CreatedAt.UTC(), o.ModifiedAt.UTC()
	o.Index.Start, o.Index.End, o.Index.FirstStart, o.Index.LastEnd = fromTS(start), fromTS(end), fromTS(first), fromTS(last)
	o.Index.IndexedUntil, o.Index.IndexedFrom = fromTS(until), fromTS(from)
	return &o, nil
}

// logChange bumps a collection's revision and records the latest change
// of uri under it, with its home's next revision (see logChangeSQL),
// returning the collection's revision. It is the last statement of every
// write: the home and collection rows it locks serialize the home's
// writers until commit, and holding them only here keeps that window to
// this statement and the commit. ErrNotFound when the collection does not
// exist.
func logChange(ctx context.Context, tx pgx.Tx, calID int64, uri string, deleted bool) (int64, error) {
	var rev int64
	if err := tx.QueryRow(ctx, logChangeSQL, calID, uri, deleted).Scan(&rev); err != nil {
		return 0, fmt.Errorf("postgres: collection %d: %w", calID, notFound(err))
	}
	return rev, nil
}

// insertInstances writes all occurrences in one statement from arrays.
func insertInstances(ctx context.Context, tx pgx.Tx, objectID, calID int64, insts []backend.Instance) error {
	if len(insts) == 0 {
		return nil
	}
	n := len(insts)
	starts, ends := make([]time.Time, n), make([]time.Time, n)
	rids := make([]*time.Time, n)
	transp := make([]bool, n)
	status, busy := make([]string, n), make([]string, n)
	for i, in := range insts {
		starts[i], ends[i], rids[i], transp[i], status[i], busy[i] = in.Start, in.End, ts(in.RecurrenceID), in.Transparent, in.Status, in.BusyType
	}
	_, err := tx.Exec(ctx, `INSERT INTO instances (object_id, calendar_id, start_at, end_at, recurrence_id, transparent, status, busy_type)
		SELECT $1, $2, * FROM unnest($3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::boolean[], $7::text[], $8::text[])`,
		objectID, calID, starts, ends, rids, transp, status, busy)
	if err != nil {
		return fmt.Errorf("postgres: instances: %w", err)
	}
	return nil
}

// Object implements backend.Store.
func (s *Store) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	return getObject(ctx, s.pool, calID, uri)
}

func getObject(ctx context.Context, q querier, calID int64, uri string) (*backend.Object, error) {
	o, err := scanObject(q.QueryRow(ctx, `SELECT `+objectColumns+`, data FROM objects WHERE calendar_id = $1 AND uri = $2`,
		calID, uri), calID, true)
	if err != nil {
		return nil, fmt.Errorf("postgres: object: %w", notFound(err))
	}
	return o, nil
}

// ObjectByUID implements backend.Store.
func (s *Store) ObjectByUID(ctx context.Context, calID int64, uid string) (*backend.Object, error) {
	return getObjectByUID(ctx, s.pool, calID, uid)
}

func getObjectByUID(ctx context.Context, q querier, calID int64, uid string) (*backend.Object, error) {
	o, err := scanObject(q.QueryRow(ctx, `SELECT `+objectColumns+`, data FROM objects WHERE calendar_id = $1 AND uid = $2`,
		calID, uid), calID, true)
	if err != nil {
		return nil, fmt.Errorf("postgres: object by UID: %w", notFound(err))
	}
	return o, nil
}

// ListObjects implements backend.Store.
func (s *Store) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	return listObjects(ctx, s.pool, calID, opts)
}

func listObjects(ctx context.Context, db querier, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	if opts == nil {
		opts = &backend.ListOptions{}
	}
	cols := objectColumns
	if opts.WithData {
		cols += ", data"
	}
	q := `SELECT ` + cols + ` FROM objects WHERE calendar_id = $1`
	args := []any{calID}
	if opts.URIs != nil {
		if len(opts.URIs) == 0 {
			return nil, nil
		}
		args = append(args, opts.URIs)
		q += fmt.Sprintf(` AND uri = ANY($%d)`, len(args))
	}
	if opts.Components != nil {
		args = append(args, opts.Components)
		q += fmt.Sprintf(` AND component = ANY($%d)`, len(args))
	}
	if !opts.Unindexed.IsZero() {
		args = append(args, opts.Unindexed, opts.UnindexedFrom)
		q += ` AND ` + unindexedCondition(opts, fmt.Sprintf("$%d", len(args)-1), fmt.Sprintf("$%d", len(args)))
	}
	rows, err := db.Query(ctx, q+` ORDER BY uri`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list objects: %w", err)
	}
	defer rows.Close()
	var out []*backend.Object
	for rows.Next() {
		o, err := scanObject(rows, calID, opts.WithData)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DeleteObject implements backend.Store.
func (s *Store) DeleteObject(ctx context.Context, calID int64, uri, ifMatch string) (int64, error) {
	var rev int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		rev, err = deleteObject(ctx, tx, calID, uri, ifMatch)
		return err
	})
	return rev, err
}

// deleteObject removes an object and logs the deletion, returning the
// collection's new revision; the object row is locked before the
// collection row, the order every write follows.
func deleteObject(ctx context.Context, tx pgx.Tx, calID int64, uri, ifMatch string) (int64, error) {
	if err := deleteObjectRow(ctx, tx, calID, uri, ifMatch); err != nil {
		return 0, err
	}
	return logChange(ctx, tx, calID, uri, true)
}

// Changes implements backend.Store.
func (s *Store) Changes(ctx context.Context, calID, since int64, limit int) (*backend.ChangeSet, error) {
	cs := &backend.ChangeSet{}
	// REPEATABLE READ: the revision and the log are read from one snapshot.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT revision FROM calendars WHERE id = $1`, calID).Scan(&cs.Revision); err != nil {
			return fmt.Errorf("postgres: changes: %w", notFound(err))
		}
		if err := backend.CheckSyncRevision(since, cs.Revision); err != nil {
			return err
		}
		var n any // NULL = no limit
		if limit > 0 {
			n = limit + 1
		}
		rows, err := tx.Query(ctx, `SELECT uri, revision, deleted FROM changes WHERE calendar_id = $1 AND revision > $2
			ORDER BY revision LIMIT $3`, calID, since, n)
		if err != nil {
			return fmt.Errorf("postgres: changes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c backend.Change
			if err := rows.Scan(&c.URI, &c.Revision, &c.Deleted); err != nil {
				return err
			}
			cs.Changes = append(cs.Changes, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	backend.LimitChanges(cs, limit)
	return cs, nil
}

// instancesInRangeSQL finds the occurrences overlapping [$3, $2): those
// starting at most a day before $3 by the range index, and the longer ones
// that started earlier by the partial index on long occurrences (an
// occurrence starting over a day before $3 and ending after it is longer
// than a day).
const instancesInRangeSQL = `SELECT o.uri, i.start_at, i.end_at, i.recurrence_id, i.transparent, i.status, i.busy_type,
		o.component, o.etag, o.size, date_trunc('second', o.created_at), date_trunc('second', o.modified_at)
	FROM instances i JOIN objects o ON o.id = i.object_id
	WHERE i.calendar_id = $1 AND i.start_at < $2 AND i.start_at >= $3::timestamptz - interval '1 day' AND i.end_at > $3
	UNION ALL
	SELECT o.uri, i.start_at, i.end_at, i.recurrence_id, i.transparent, i.status, i.busy_type,
		o.component, o.etag, o.size, date_trunc('second', o.created_at), date_trunc('second', o.modified_at)
	FROM instances i JOIN objects o ON o.id = i.object_id
	WHERE i.calendar_id = $1 AND i.start_at < $3::timestamptz - interval '1 day' AND i.end_at > $3
		AND i.end_at - i.start_at > interval '1 day'
	ORDER BY 2, 1`

// InstancesInRange implements backend.Store.
func (s *Store) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	return instancesInRange(ctx, s.pool, calID, start, end)
}

func instancesInRange(ctx context.Context, q querier, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	rows, err := q.Query(ctx, instancesInRangeSQL, calID, end, start)
	if err != nil {
		return nil, fmt.Errorf("postgres: instances: %w", err)
	}
	defer rows.Close()
	var out []backend.InstanceRef
	for rows.Next() {
		var r backend.InstanceRef
		var rid *time.Time
		if err := rows.Scan(&r.URI, &r.Start, &r.End, &rid, &r.Transparent, &r.Status, &r.BusyType, &r.Component, &r.ETag, &r.Size,
			&r.CreatedAt, &r.ModifiedAt); err != nil {
			return nil, err
		}
		r.Start, r.End, r.RecurrenceID = r.Start.UTC(), r.End.UTC(), fromTS(rid)
		r.CreatedAt, r.ModifiedAt = r.CreatedAt.UTC(), r.ModifiedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplaceInstances implements backend.Store.
func (s *Store) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return replaceInstances(ctx, tx, calID, uri, etag, idx, insts) })
}

// replaceInstances re-indexes an object within tx.
func replaceInstances(ctx context.Context, tx pgx.Tx, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	var id int64
	var cur string
	var found *backend.Object
	err := tx.QueryRow(ctx, `SELECT id, etag FROM objects WHERE calendar_id = $1 AND uri = $2 FOR UPDATE`, calID, uri).Scan(&id, &cur)
	switch {
	case err == nil:
		found = &backend.Object{URI: uri, ETag: cur}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: reindex: %w", err)
	}
	if err := backend.CheckReindex(uri, found, etag); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM instances WHERE object_id = $1`, id); err != nil {
		return fmt.Errorf("postgres: reindex: %w", err)
	}
	if ix := idx; ix != nil {
		if _, err := tx.Exec(ctx, `UPDATE objects SET dtstart = $2, dtend = $3, first_start = $4, last_end = $5,
			indexed_until = $6, indexed_from = $7 WHERE id = $1`, id, ts(ix.Start), ts(ix.End), ts(ix.FirstStart),
			ts(ix.LastEnd), ts(ix.IndexedUntil), ts(ix.IndexedFrom)); err != nil {
			return fmt.Errorf("postgres: reindex: %w", err)
		}
	}
	return insertInstances(ctx, tx, id, calID, insts)
}
