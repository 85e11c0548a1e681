package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kalends/kalends/backend"
)

// logHomeChange takes the next revision of a principal's home for a change
// of its collection uri (created, deleted, its properties or members
// changed) and records it in the home's change log, returning it.
func logHomeChange(ctx context.Context, tx *sql.Tx, principalID int64, uri string, deleted bool) (int64, error) {
	var rev int64
	err := tx.QueryRowContext(ctx, `INSERT INTO homes (principal_id, revision) VALUES (?, 1)
		ON CONFLICT (principal_id) DO UPDATE SET revision = revision + 1 RETURNING revision`, principalID).Scan(&rev)
	if err != nil {
		return 0, fmt.Errorf("sqlite: home %d: %w", principalID, notFound(err))
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO home_changes (principal_id, uri, revision, deleted) VALUES (?, ?, ?, ?)
		ON CONFLICT (principal_id, uri) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted`,
		principalID, uri, rev, deleted)
	if err != nil {
		return 0, fmt.Errorf("sqlite: home change log: %w", err)
	}
	return rev, nil
}

// logCollectionChange records a change of collection calID itself (its
// properties, or its deletion when deleted) in its home's change log.
func logCollectionChange(ctx context.Context, tx *sql.Tx, calID int64, deleted bool) error {
	var principalID int64
	var uri string
	err := tx.QueryRowContext(ctx, `SELECT principal_id, uri FROM calendars WHERE id = ?`, calID).Scan(&principalID, &uri)
	if err != nil {
		return fmt.Errorf("sqlite: collection %d: %w", calID, notFound(err))
	}
	_, err = logHomeChange(ctx, tx, principalID, uri, deleted)
	return err
}

// homeRevisionSQL reads a home's revision: 0 before its first change,
// no row when the principal does not exist.
const homeRevisionSQL = `SELECT COALESCE(h.revision, 0) FROM principals p LEFT JOIN homes h ON h.principal_id = p.id
	WHERE p.id = ?`

// HomeRevision implements backend.Store.
func (s *Store) HomeRevision(ctx context.Context, principalID int64) (int64, error) {
	var rev int64
	if err := s.read.QueryRowContext(ctx, homeRevisionSQL, principalID).Scan(&rev); err != nil {
		return 0, fmt.Errorf("sqlite: home revision: %w", notFound(err))
	}
	return rev, nil
}

// homeChangesSQL reads a home's change log after revision ?2: its
// collections' entries, and with ?3 its objects' (each collection's
// change log by its home revision index). With a limit ?4 (-1: none) it stops
// at the revision of the (?4+1)-th change, reading that revision whole
// (backend.LimitHomeChanges cuts there).
const homeChangesSQL = `WITH ch (collection, object, revision, deleted) AS (
		SELECT uri, '', revision, deleted FROM home_changes WHERE principal_id = ?1 AND revision > ?2
		UNION ALL
		SELECT c.uri, x.uri, x.home_revision, x.deleted FROM calendars c JOIN changes x ON x.calendar_id = c.id
		WHERE ?3 AND c.principal_id = ?1 AND x.home_revision > ?2)
	SELECT collection, object, revision, deleted FROM ch
	WHERE ?4 < 0 OR revision <= COALESCE((SELECT revision FROM ch ORDER BY revision LIMIT 1 OFFSET ?4), revision)
	ORDER BY revision, object, collection`

// HomeChanges implements backend.Store.
func (s *Store) HomeChanges(ctx context.Context, principalID int64, q backend.HomeChangesQuery) (*backend.HomeChangeSet, error) {
	// One read transaction so that the revision and the log agree.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: home changes: %w", err)
	}
	defer tx.Rollback()
	cs := &backend.HomeChangeSet{}
	if err := tx.QueryRowContext(ctx, homeRevisionSQL, principalID).Scan(&cs.Revision); err != nil {
		return nil, fmt.Errorf("sqlite: home changes: %w", notFound(err))
	}
	if err := backend.CheckSyncRevision(q.Since, cs.Revision); err != nil {
		return nil, err
	}
	limit := -1
	if q.Limit > 0 {
		limit = q.Limit
	}
	rows, err := tx.QueryContext(ctx, homeChangesSQL, principalID, q.Since, q.Objects, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: home changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c backend.HomeChange
		if err := rows.Scan(&c.Collection, &c.Object, &c.Revision, &c.Deleted); err != nil {
			return nil, err
		}
		cs.Changes = append(cs.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	backend.LimitHomeChanges(cs, q.Limit)
	return cs, nil
}
