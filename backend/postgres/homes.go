package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// Every change below a calendar home takes the home's next revision from
// its homes row, which it locks until commit: a home's writers are
// serialized by it, and every write locks it before the collection rows of
// that home, the order that keeps them from deadlocking (put_batch.go
// orders a batch's writes by principal, then collection).

// logChangeSQL is logChange's statement: collection $1's revision is
// bumped and taken by the change of its member $2 ($3: deleted, which also
// sets the collection's modified time, as no remaining object shows it),
// with the home's next revision, and the collection is listed as changed
// in the home's change log. The home row is locked first (the home CTE
// feeds the collection's update). No row when the collection does not
// exist.
const logChangeSQL = `WITH home AS (
		INSERT INTO homes AS h (principal_id, revision) SELECT principal_id, 1 FROM calendars WHERE id = $1
		ON CONFLICT (principal_id) DO UPDATE SET revision = h.revision + 1 RETURNING revision),
	cal AS (UPDATE calendars c SET revision = c.revision + 1,
			modified_at = CASE WHEN $3::boolean THEN now() ELSE c.modified_at END
		FROM home WHERE c.id = $1 RETURNING c.principal_id, c.uri, c.revision, home.revision AS home_revision),
	logged AS (INSERT INTO home_changes (principal_id, uri, revision, deleted)
		SELECT principal_id, uri, home_revision, false FROM cal
		ON CONFLICT (principal_id, uri) DO UPDATE SET revision = excluded.revision, deleted = false)
	INSERT INTO changes (calendar_id, uri, revision, deleted, home_revision) SELECT $1, $2, revision, $3::boolean, home_revision FROM cal
	ON CONFLICT (calendar_id, uri) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted,
		home_revision = excluded.home_revision
	RETURNING revision`

// logHomeChange takes the next revision of a principal's home for a change
// of its collection uri itself (created, deleted, its properties changed)
// and records it in the home's change log.
func logHomeChange(ctx context.Context, tx pgx.Tx, principalID int64, uri string, deleted bool) error {
	_, err := tx.Exec(ctx, `WITH home AS (
			INSERT INTO homes AS h (principal_id, revision) VALUES ($1, 1)
			ON CONFLICT (principal_id) DO UPDATE SET revision = h.revision + 1 RETURNING revision)
		INSERT INTO home_changes (principal_id, uri, revision, deleted) SELECT $1, $2, revision, $3 FROM home
		ON CONFLICT (principal_id, uri) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted`,
		principalID, uri, deleted)
	if err != nil {
		return fmt.Errorf("postgres: home change log: %w", err)
	}
	return nil
}

// logCollectionChange is logHomeChange for collection calID, which is
// read without a lock (its home and URI never change) so that the home
// row is locked before the collection's. ErrNotFound when it does not
// exist.
func logCollectionChange(ctx context.Context, tx pgx.Tx, calID int64, deleted bool) error {
	var principalID int64
	var uri string
	err := tx.QueryRow(ctx, `SELECT principal_id, uri FROM calendars WHERE id = $1`, calID).Scan(&principalID, &uri)
	if err != nil {
		return fmt.Errorf("postgres: collection %d: %w", calID, notFound(err))
	}
	return logHomeChange(ctx, tx, principalID, uri, deleted)
}

// homeRevisionSQL reads a home's revision: 0 before its first change, no
// row when the principal does not exist.
const homeRevisionSQL = `SELECT COALESCE(h.revision, 0) FROM principals p LEFT JOIN homes h ON h.principal_id = p.id
	WHERE p.id = $1`

// HomeRevision implements backend.Store.
func (s *Store) HomeRevision(ctx context.Context, principalID int64) (int64, error) {
	var rev int64
	if err := s.pool.QueryRow(ctx, homeRevisionSQL, principalID).Scan(&rev); err != nil {
		return 0, fmt.Errorf("postgres: home revision: %w", notFound(err))
	}
	return rev, nil
}

// homeChangesSQL reads a home's change log after revision $2: its
// collections' entries, and with $3 its objects' (each collection's
// change log by its home revision index). With a limit $4 (NULL: none) it
// stops at the revision of the ($4+1)-th change, reading that revision
// whole (backend.LimitHomeChanges cuts there).
const homeChangesSQL = `WITH ch (collection, object, revision, deleted) AS (
		SELECT uri, '', revision, deleted FROM home_changes WHERE principal_id = $1 AND revision > $2
		UNION ALL
		SELECT c.uri, x.uri, x.home_revision, x.deleted FROM calendars c JOIN changes x ON x.calendar_id = c.id
		WHERE $3::boolean AND c.principal_id = $1 AND x.home_revision > $2)
	SELECT collection, object, revision, deleted FROM ch
	WHERE $4::bigint IS NULL
		OR revision <= COALESCE((SELECT revision FROM ch ORDER BY revision LIMIT 1 OFFSET $4::bigint), revision)
	ORDER BY revision, object, collection`

// HomeChanges implements backend.Store.
func (s *Store) HomeChanges(ctx context.Context, principalID int64, q backend.HomeChangesQuery) (*backend.HomeChangeSet, error) {
	cs := &backend.HomeChangeSet{}
	// REPEATABLE READ: the revision and the log are read from one snapshot.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, homeRevisionSQL, principalID).Scan(&cs.Revision); err != nil {
			return fmt.Errorf("postgres: home changes: %w", notFound(err))
		}
		if err := backend.CheckSyncRevision(q.Since, cs.Revision); err != nil {
			return err
		}
		var limit any // NULL = no limit
		if q.Limit > 0 {
			limit = int64(q.Limit)
		}
		rows, err := tx.Query(ctx, homeChangesSQL, principalID, q.Since, q.Objects, limit)
		if err != nil {
			return fmt.Errorf("postgres: home changes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c backend.HomeChange
			if err := rows.Scan(&c.Collection, &c.Object, &c.Revision, &c.Deleted); err != nil {
				return err
			}
			cs.Changes = append(cs.Changes, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	backend.LimitHomeChanges(cs, q.Limit)
	return cs, nil
}
