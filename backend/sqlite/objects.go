package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kalends/kalends/backend"
)

const objectColumns = `uri, uid, component, etag, size, created_at, modified_at, dtstart, dtend, first_start, last_end,
	all_day, organizer, sequence, schedule_tag, transparent, status, indexed_until, indexed_from`

func scanObject(r scanner, calID int64, withData bool) (*backend.Object, error) {
	o := backend.Object{CalendarID: calID}
	var created, modified, start, end, first, last, until, from sql.NullInt64
	dest := []any{&o.URI, &o.UID, &o.Component, &o.ETag, &o.Size, &created, &modified, &start, &end, &first, &last,
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
	o.CreatedAt, o.ModifiedAt = fromUnix(created), fromUnix(modified)
	o.Index.Start, o.Index.End, o.Index.FirstStart, o.Index.LastEnd = fromUnix(start), fromUnix(end), fromUnix(first), fromUnix(last)
	o.Index.IndexedUntil, o.Index.IndexedFrom = fromUnix(until), fromUnix(from)
	return &o, nil
}

// PutObject implements backend.Store.
func (s *Store) PutObject(ctx context.Context, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	var res *backend.PutObjectResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
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
func putObject(ctx context.Context, tx *sql.Tx, req *backend.PutObjectRequest) (*backend.PutObjectResult, error) {
	o := req.Object
	if err := backend.CheckObjectRequest(req); err != nil {
		return nil, err
	}
	if m := req.MoveFrom; m != nil {
		if _, err := deleteObject(ctx, tx, m.CalendarID, m.URI, m.IfMatch); err != nil {
			return nil, err
		}
	}
	var id int64
	var created sql.NullInt64
	cur := &backend.Object{URI: o.URI}
	err := tx.QueryRowContext(ctx, `SELECT id, uid, etag, schedule_tag, created_at FROM objects WHERE calendar_id = ? AND uri = ?`,
		req.CalendarID, o.URI).Scan(&id, &cur.UID, &cur.ETag, &cur.Index.ScheduleTag, &created)
	switch {
	case err == sql.ErrNoRows:
		cur = nil
	case err != nil:
		return nil, fmt.Errorf("sqlite: put object: %w", err)
	default:
		cur.CreatedAt = fromUnix(created)
	}
	var holder string
	err = tx.QueryRowContext(ctx, `SELECT uri FROM objects WHERE calendar_id = ? AND uid = ? AND uri <> ?`,
		req.CalendarID, o.UID, o.URI).Scan(&holder)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("sqlite: put object: %w", err)
	}
	if err := backend.CheckPut(req, cur, holder); err != nil {
		return nil, err
	}
	rev, err := bumpRevision(ctx, tx, req.CalendarID)
	if err != nil {
		return nil, err
	}
	res := backend.PrepareObject(req, cur, time.Now())
	res.Revision = rev.collection
	now := o.ModifiedAt
	ix := &o.Index
	if cur != nil {
		_, err = tx.ExecContext(ctx, `UPDATE objects SET uid = ?, component = ?, data = ?, etag = ?, size = ?, modified_at = ?,
			dtstart = ?, dtend = ?, first_start = ?, last_end = ?, all_day = ?, organizer = ?, sequence = ?, schedule_tag = ?,
			transparent = ?, status = ?, indexed_until = ?, indexed_from = ? WHERE id = ?`,
			o.UID, o.Component, string(o.Data), o.ETag, o.Size, now.Unix(), unix(ix.Start), unix(ix.End), unix(ix.FirstStart),
			unix(ix.LastEnd), ix.AllDay, ix.Organizer, ix.Sequence, ix.ScheduleTag, ix.Transparent, ix.Status, unix(ix.IndexedUntil), unix(ix.IndexedFrom), id)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM instances WHERE object_id = ?`, id)
		}
	} else {
		// A new resource starts without the dead properties a deleted
		// namesake may have left.
		if _, err = tx.ExecContext(ctx, `DELETE FROM properties WHERE calendar_id = ? AND object_uri = ?`, req.CalendarID, o.URI); err != nil {
			return nil, fmt.Errorf("sqlite: put object: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO objects (calendar_id, uri, uid, component, data, etag, size, created_at,
			modified_at, dtstart, dtend, first_start, last_end, all_day, organizer, sequence, schedule_tag, transparent, status,
			indexed_until, indexed_from)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			req.CalendarID, o.URI, o.UID, o.Component, string(o.Data), o.ETag, o.Size, now.Unix(), now.Unix(),
			unix(ix.Start), unix(ix.End), unix(ix.FirstStart), unix(ix.LastEnd), ix.AllDay, ix.Organizer, ix.Sequence,
			ix.ScheduleTag, ix.Transparent, ix.Status, unix(ix.IndexedUntil), unix(ix.IndexedFrom)).Scan(&id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: put object: %w", err)
	}
	if err := insertInstances(ctx, tx, id, req.CalendarID, o.Instances); err != nil {
		return nil, err
	}
	if err := logChange(ctx, tx, req.CalendarID, o.URI, rev, false); err != nil {
		return nil, err
	}
	return res, nil
}

// revisions are the revisions a change of a collection's member takes:
// the collection's and its home's.
type revisions struct{ collection, home int64 }

// bumpRevision increments a collection's revision and takes its home's
// next one, listing the collection as changed in the home's change log;
// ErrNotFound when the collection does not exist.
func bumpRevision(ctx context.Context, tx *sql.Tx, calID int64) (revisions, error) {
	var rev revisions
	var principalID int64
	var uri string
	err := tx.QueryRowContext(ctx, `UPDATE calendars SET revision = revision + 1 WHERE id = ? RETURNING revision, principal_id, uri`,
		calID).Scan(&rev.collection, &principalID, &uri)
	if err != nil {
		return rev, fmt.Errorf("sqlite: collection %d: %w", calID, notFound(err))
	}
	rev.home, err = logHomeChange(ctx, tx, principalID, uri, false)
	return rev, err
}

// logChange records the latest change of uri for sync.
func logChange(ctx context.Context, tx *sql.Tx, calID int64, uri string, rev revisions, deleted bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (calendar_id, uri, revision, deleted, home_revision) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (calendar_id, uri) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted,
			home_revision = excluded.home_revision`,
		calID, uri, rev.collection, deleted, rev.home)
	if err != nil {
		return fmt.Errorf("sqlite: change log: %w", err)
	}
	return nil
}

// instanceBatch keeps each INSERT well under SQLite's bound-variable limit.
const instanceBatch = 100

func insertInstances(ctx context.Context, tx *sql.Tx, objectID, calID int64, insts []backend.Instance) error {
	for len(insts) > 0 {
		n := min(len(insts), instanceBatch)
		args := make([]any, 0, n*8)
		q := make([]byte, 0, n*20)
		q = append(q, `INSERT INTO instances (object_id, calendar_id, start_at, end_at, recurrence_id, transparent, status, busy_type) VALUES `...)
		for i, in := range insts[:n] {
			if i > 0 {
				q = append(q, ',')
			}
			q = append(q, "(?,?,?,?,?,?,?,?)"...)
			args = append(args, objectID, calID, in.Start.Unix(), in.End.Unix(), unix(in.RecurrenceID), in.Transparent, in.Status, in.BusyType)
		}
		if _, err := tx.ExecContext(ctx, string(q), args...); err != nil {
			return fmt.Errorf("sqlite: instances: %w", err)
		}
		insts = insts[n:]
	}
	return nil
}

// Object implements backend.Store.
func (s *Store) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	return getObject(ctx, s.read, calID, uri)
}

func getObject(ctx context.Context, q queryer, calID int64, uri string) (*backend.Object, error) {
	o, err := scanObject(q.QueryRowContext(ctx, `SELECT `+objectColumns+`, data FROM objects WHERE calendar_id = ? AND uri = ?`,
		calID, uri), calID, true)
	if err != nil {
		return nil, fmt.Errorf("sqlite: object: %w", notFound(err))
	}
	return o, nil
}

// ObjectByUID implements backend.Store.
func (s *Store) ObjectByUID(ctx context.Context, calID int64, uid string) (*backend.Object, error) {
	return getObjectByUID(ctx, s.read, calID, uid)
}

func getObjectByUID(ctx context.Context, q queryer, calID int64, uid string) (*backend.Object, error) {
	o, err := scanObject(q.QueryRowContext(ctx, `SELECT `+objectColumns+`, data FROM objects WHERE calendar_id = ? AND uid = ?`,
		calID, uid), calID, true)
	if err != nil {
		return nil, fmt.Errorf("sqlite: object by UID: %w", notFound(err))
	}
	return o, nil
}

// ListObjects implements backend.Store.
func (s *Store) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	return listObjects(ctx, s.read, calID, opts)
}

func listObjects(ctx context.Context, db queryer, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	if opts == nil {
		opts = &backend.ListOptions{}
	}
	cols := objectColumns
	if opts.WithData {
		cols += ", data"
	}
	q := `SELECT ` + cols + ` FROM objects WHERE calendar_id = ?`
	args := []any{calID}
	if opts.URIs != nil {
		if len(opts.URIs) == 0 {
			return nil, nil
		}
		q += ` AND uri IN (` + placeholders(len(opts.URIs)) + `)`
		for _, u := range opts.URIs {
			args = append(args, u)
		}
	}
	if opts.Components != nil {
		q += ` AND component IN (` + placeholders(len(opts.Components)) + `)`
		for _, c := range opts.Components {
			args = append(args, c)
		}
	}
	if !opts.Unindexed.IsZero() {
		q += ` AND ` + unindexedCondition(opts, "?", "?")
		args = append(args, opts.Unindexed.Unix(), opts.UnindexedFrom.Unix())
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY uri`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list objects: %w", err)
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
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		rev, err = deleteObject(ctx, tx, calID, uri, ifMatch)
		return err
	})
	return rev, err
}

// deleteObject removes an object with its dead properties and logs the
// deletion, returning the collection's new revision.
func deleteObject(ctx context.Context, tx *sql.Tx, calID int64, uri, ifMatch string) (int64, error) {
	cur := &backend.Object{URI: uri}
	err := tx.QueryRowContext(ctx, `SELECT etag FROM objects WHERE calendar_id = ? AND uri = ?`, calID, uri).Scan(&cur.ETag)
	if err == sql.ErrNoRows {
		cur = nil
	} else if err != nil {
		return 0, fmt.Errorf("sqlite: delete object: %w", err)
	}
	if err := backend.CheckIfMatch(uri, cur, ifMatch); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE calendar_id = ? AND uri = ?`, calID, uri); err != nil {
		return 0, fmt.Errorf("sqlite: delete object: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM properties WHERE calendar_id = ? AND object_uri = ?`, calID, uri); err != nil {
		return 0, fmt.Errorf("sqlite: delete object: %w", err)
	}
	rev, err := bumpRevision(ctx, tx, calID)
	if err != nil {
		return 0, err
	}
	// No remaining object shows when this happened: the collection does.
	if _, err := tx.ExecContext(ctx, `UPDATE calendars SET modified_at = ? WHERE id = ?`, time.Now().Unix(), calID); err != nil {
		return 0, fmt.Errorf("sqlite: delete object: %w", err)
	}
	return rev.collection, logChange(ctx, tx, calID, uri, rev, true)
}

// Changes implements backend.Store.
func (s *Store) Changes(ctx context.Context, calID, since int64, limit int) (*backend.ChangeSet, error) {
	// One read transaction so that the revision and the log agree.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: changes: %w", err)
	}
	defer tx.Rollback()
	cs := &backend.ChangeSet{}
	if err := tx.QueryRowContext(ctx, `SELECT revision FROM calendars WHERE id = ?`, calID).Scan(&cs.Revision); err != nil {
		return nil, fmt.Errorf("sqlite: changes: %w", notFound(err))
	}
	if err := backend.CheckSyncRevision(since, cs.Revision); err != nil {
		return nil, err
	}
	n := -1
	if limit > 0 {
		n = limit + 1
	}
	rows, err := tx.QueryContext(ctx, `SELECT uri, revision, deleted FROM changes WHERE calendar_id = ? AND revision > ?
		ORDER BY revision LIMIT ?`, calID, since, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c backend.Change
		if err := rows.Scan(&c.URI, &c.Revision, &c.Deleted); err != nil {
			return nil, err
		}
		cs.Changes = append(cs.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	backend.LimitChanges(cs, limit)
	return cs, nil
}

// instancesInRangeSQL finds the occurrences overlapping [?3, ?2): those
// starting at most a day before ?3 by the range index, and the longer ones
// that started earlier by the partial index on long occurrences.
const instancesInRangeSQL = `SELECT o.uri, i.start_at, i.end_at, i.recurrence_id, i.transparent, i.status, i.busy_type,
		o.component, o.etag, o.size, o.created_at, o.modified_at
	FROM instances i JOIN objects o ON o.id = i.object_id
	WHERE i.calendar_id = ?1 AND i.start_at < ?2 AND i.start_at >= ?3 - 86400 AND i.end_at > ?3
	UNION ALL
	SELECT o.uri, i.start_at, i.end_at, i.recurrence_id, i.transparent, i.status, i.busy_type,
		o.component, o.etag, o.size, o.created_at, o.modified_at
	FROM instances i JOIN objects o ON o.id = i.object_id
	WHERE i.calendar_id = ?1 AND i.start_at < ?3 - 86400 AND i.end_at > ?3 AND i.end_at - i.start_at > 86400
	ORDER BY 2, 1`

// InstancesInRange implements backend.Store.
func (s *Store) InstancesInRange(ctx context.Context, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	return instancesInRange(ctx, s.read, calID, start, end)
}

func instancesInRange(ctx context.Context, q queryer, calID int64, start, end time.Time) ([]backend.InstanceRef, error) {
	rows, err := q.QueryContext(ctx, instancesInRangeSQL, calID, end.Unix(), start.Unix())
	if err != nil {
		return nil, fmt.Errorf("sqlite: instances: %w", err)
	}
	defer rows.Close()
	var out []backend.InstanceRef
	for rows.Next() {
		var r backend.InstanceRef
		var st, en, rid, created, modified sql.NullInt64
		if err := rows.Scan(&r.URI, &st, &en, &rid, &r.Transparent, &r.Status, &r.BusyType, &r.Component, &r.ETag, &r.Size,
			&created, &modified); err != nil {
			return nil, err
		}
		r.Start, r.End, r.RecurrenceID = fromUnix(st), fromUnix(en), fromUnix(rid)
		r.CreatedAt, r.ModifiedAt = fromUnix(created), fromUnix(modified)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplaceInstances implements backend.Store.
func (s *Store) ReplaceInstances(ctx context.Context, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return replaceInstances(ctx, tx, calID, uri, etag, idx, insts) })
}

// replaceInstances re-indexes an object within tx.
func replaceInstances(ctx context.Context, tx *sql.Tx, calID int64, uri, etag string, idx *backend.ObjectIndex, insts []backend.Instance) error {
	var id int64
	cur := &backend.Object{URI: uri}
	err := tx.QueryRowContext(ctx, `SELECT id, etag FROM objects WHERE calendar_id = ? AND uri = ?`, calID, uri).Scan(&id, &cur.ETag)
	if err == sql.ErrNoRows {
		cur = nil
	} else if err != nil {
		return fmt.Errorf("sqlite: reindex: %w", err)
	}
	if err := backend.CheckReindex(uri, cur, etag); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM instances WHERE object_id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: reindex: %w", err)
	}
	if ix := idx; ix != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET dtstart = ?, dtend = ?, first_start = ?, last_end = ?,
			indexed_until = ?, indexed_from = ? WHERE id = ?`, unix(ix.Start), unix(ix.End), unix(ix.FirstStart),
			unix(ix.LastEnd), unix(ix.IndexedUntil), unix(ix.IndexedFrom), id); err != nil {
			return fmt.Errorf("sqlite: reindex: %w", err)
		}
	}
	return insertInstances(ctx, tx, id, calID, insts)
}
