package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kalends/kalends/backend"
)

// SetDelegate implements backend.Store.
func (s *Store) SetDelegate(ctx context.Context, d backend.Delegation) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := backend.ValidateDelegations([]backend.Delegation{d}, countPrincipals(ctx, tx)); err != nil {
			return err
		}
		return setDelegate(ctx, tx, d)
	})
}

// ReplaceDelegates implements backend.Store.
func (s *Store) ReplaceDelegates(ctx context.Context, principalID int64, write bool, delegateIDs []int64) error {
	grants := backend.DelegationSet(principalID, write, delegateIDs)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := backend.ValidateDelegations(grants, countPrincipals(ctx, tx)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM delegates WHERE principal_id = ? AND can_write = ?`, principalID, write); err != nil {
			return fmt.Errorf("sqlite: replace delegates: %w", err)
		}
		for _, d := range grants {
			if err := setDelegate(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// countPrincipals is backend.ValidateDelegations' count on tx.
func countPrincipals(ctx context.Context, tx *sql.Tx) func(ids []int64) (int, error) {
	return func(ids []int64) (int, error) {
		in, args := inList(ids)
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM principals WHERE id IN `+in, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("sqlite: delegate: %w", err)
		}
		return n, nil
	}
}

// setDelegate writes a grant that backend.ValidateDelegations allowed.
func setDelegate(ctx context.Context, tx *sql.Tx, d backend.Delegation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO delegates (principal_id, delegate_id, can_write) VALUES (?, ?, ?)
		ON CONFLICT (principal_id, delegate_id) DO UPDATE SET can_write = excluded.can_write`, d.PrincipalID, d.DelegateID, d.Write)
	if err != nil {
		return fmt.Errorf("sqlite: delegate: %w", err)
	}
	return nil
}

// RemoveDelegate implements backend.Store.
func (s *Store) RemoveDelegate(ctx context.Context, principalID, delegateID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM delegates WHERE principal_id = ? AND delegate_id = ?`, principalID, delegateID)
		if err != nil {
			return fmt.Errorf("sqlite: remove delegate: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: remove delegate: %w", backend.ErrNotFound)
		}
		return nil
	})
}

// Delegates implements backend.Store.
func (s *Store) Delegates(ctx context.Context, principalID int64) ([]backend.Delegation, error) {
	return s.delegations(ctx, `principal_id = ? ORDER BY delegate_id`, principalID)
}

// DelegatedTo implements backend.Store.
func (s *Store) DelegatedTo(ctx context.Context, delegateID int64) ([]backend.Delegation, error) {
	return s.delegations(ctx, `delegate_id = ? ORDER BY principal_id`, delegateID)
}

func (s *Store) delegations(ctx context.Context, where string, id int64) ([]backend.Delegation, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT principal_id, delegate_id, can_write FROM delegates WHERE `+where, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delegates: %w", err)
	}
	defer rows.Close()
	var out []backend.Delegation
	for rows.Next() {
		var d backend.Delegation
		if err := rows.Scan(&d.PrincipalID, &d.DelegateID, &d.Write); err != nil {
			return nil, fmt.Errorf("sqlite: delegates: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
