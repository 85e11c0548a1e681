package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// PutObjects implements backend.Store: the batch of the transaction's
// PutObjects, in a transaction of its own.
func (s *Store) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	var out []*backend.PutObjectResult
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = (&txStore{tx: tx}).PutObjects(ctx, reqs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutObjects implements backend.TxStore in two round trips whatever the
// number of objects, where PutObject costs five each (savepoint, lock,
// write, change log, release): the savepoint and every object's row lock
// go in one pipelined batch, the writes, the change logs and the release
// in a second. The change logs run last, in collection id order, so that
// writers lock collections in one order (put.go) and a scheduling write
// holds the collections' revision rows, its hottest locks, only from its
// last batch to its commit. They are ordered by home, then collection:
// each locks its home's row, then the collection's (homes.go). Requests naming one resource twice, or
// moving one, are written one by one.
func (t *txStore) PutObjects(ctx context.Context, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	if !batchable(reqs) {
		out := make([]*backend.PutObjectResult, len(reqs))
		for i, req := range reqs {
			res, err := t.PutObject(ctx, req)
			if err != nil {
				return nil, err
			}
			out[i] = res
		}
		return out, nil
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	for _, req := range reqs {
		if err := backend.CheckObjectRequest(req); err != nil {
			return nil, err // before the savepoint: nothing to undo
		}
	}
	out, err := putBatch(ctx, t.tx, reqs)
	if err != nil {
		// Nothing of the batch stays; the transaction remains usable.
		if _, rerr := t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT put_objects; RELEASE SAVEPOINT put_objects`); rerr != nil {
			return nil, errors.Join(err, fmt.Errorf("postgres: put objects: %w", rerr))
		}
		return nil, err
	}
	return out, nil
}

// batchable reports whether reqs name distinct resources (collection and
// URI, collection and UID) and move none.
func batchable(reqs []*backend.PutObjectRequest) bool {
	type key struct {
		cal      int64
		uri, uid string
	}
	seen := map[key]bool{}
	for _, r := range reqs {
		if r.MoveFrom != nil {
			return false
		}
		byURI, byUID := key{cal: r.CalendarID, uri: r.Object.URI}, key{cal: r.CalendarID, uid: r.Object.UID}
		if seen[byURI] || seen[byUID] {
			return false
		}
		seen[byURI], seen[byUID] = true, true
	}
	return true
}

// putBatch writes reqs after the savepoint put_objects, which the caller
// rolls back on error.
func putBatch(ctx context.Context, tx pgx.Tx, reqs []*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	found, homes, err := lockBatch(ctx, tx, reqs)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]*backend.PutObjectResult, len(reqs))
	b := &pgx.Batch{}
	for i, req := range reqs {
		o, f := req.Object, found[i]
		if err := backend.CheckPut(req, f.current, f.uidHolder); err != nil {
			return nil, err
		}
		out[i] = backend.PrepareObject(req, f.current, now)
		if f.current != nil {
			sql, args := updateObjectSQL(req.CalendarID, f.id, o, o.ModifiedAt)
			b.Queue(sql, args...)
		} else {
			sql, args := insertObjectSQL(req.CalendarID, o, o.ModifiedAt)
			b.Queue(sql, args...)
		}
	}
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ca, cb := reqs[a].CalendarID, reqs[b].CalendarID
		return cmp.Or(cmp.Compare(homes[ca], homes[cb]), cmp.Compare(ca, cb))
	})
	for _, i := range order {
		b.Queue(logChangeSQL, reqs[i].CalendarID, reqs[i].Object.URI, false)
	}
	b.Queue(`RELEASE SAVEPOINT put_objects`)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for range reqs {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("postgres: put object: %w", writeError(err))
		}
	}
	for _, i := range order {
		if err := br.QueryRow().Scan(&out[i].Revision); err != nil {
			return nil, fmt.Errorf("postgres: collection %d: %w", reqs[i].CalendarID, notFound(err))
		}
	}
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: put objects: %w", err)
	}
	return out, br.Close()
}

// lockBatch opens the savepoint and locks, in one round trip, each
// request's resource and any other resource of its collection holding its
// UID, as putObject does for one; it also reads the home (principal id) of
// each collection, by which the change logs are ordered.
func lockBatch(ctx context.Context, tx pgx.Tx, reqs []*backend.PutObjectRequest) ([]stored, map[int64]int64, error) {
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT put_objects`)
	calIDs := make([]int64, 0, len(reqs))
	for _, req := range reqs {
		b.Queue(`SELECT id, uri, uid, etag, schedule_tag, created_at FROM objects
			WHERE calendar_id = $1 AND (uri = $2 OR uid = $3) FOR UPDATE`, req.CalendarID, req.Object.URI, req.Object.UID)
		calIDs = append(calIDs, req.CalendarID)
	}
	b.Queue(`SELECT id, principal_id FROM calendars WHERE id = ANY($1)`, calIDs)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, nil, fmt.Errorf("postgres: put objects: %w", err)
	}
	found := make([]stored, len(reqs))
	for i, req := range reqs {
		rows, err := br.Query()
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: put object: %w", err)
		}
		if found[i], err = scanStored(rows, req.Object.URI); err != nil {
			return nil, nil, err
		}
	}
	homes := make(map[int64]int64, len(reqs))
	rows, err := br.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: put objects: %w", err)
	}
	var calID, principalID int64
	if _, err := pgx.ForEachRow(rows, []any{&calID, &principalID}, func() error {
		homes[calID] = principalID
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("postgres: put objects: %w", err)
	}
	return found, homes, br.Close()
}
