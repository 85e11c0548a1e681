package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kalends/kalends/backend"
)

// SetDelegate implements backend.Store.
func (s *Store) SetDelegate(ctx context.Context, d backend.Delegation) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := backend.ValidateDelegations([]backend.Delegation{d}, countPrincipals(ctx, tx)); err != nil {
			return err
		}
		return setDelegate(ctx, tx, d)
	})
}

// ReplaceDelegates implements backend.Store.
func (s *Store) ReplaceDelegates(ctx context.Context, principalID int64, write bool, delegateIDs []int64) error {
	grants := backend.DelegationSet(principalID, write, delegateIDs)
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := backend.ValidateDelegations(grants, countPrincipals(ctx, tx)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM delegates WHERE principal_id = $1 AND can_write = $2`, principalID, write); err != nil {
			return fmt.Errorf("postgres: replace delegates: %w", err)
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
func countPrincipals(ctx context.Context, tx pgx.Tx) func(ids []int64) (int, error) {
	return func(ids []int64) (int, error) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM principals WHERE id = ANY($1)`, ids).Scan(&n); err != nil {
			return 0, fmt.Errorf("postgres: delegate: %w", err)
		}
		return n, nil
	}
}

// setDelegate writes a grant that backend.ValidateDelegations allowed.
func setDelegate(ctx context.Context, tx pgx.Tx, d backend.Delegation) error {
	// A principal deleted between the check and the insert fails the
	// foreign key: reported as not found too.
	_, err := tx.Exec(ctx, `INSERT INTO delegates (principal_id, delegate_id, can_write) VALUES ($1, $2, $3)
		ON CONFLICT (principal_id, delegate_id) DO UPDATE SET can_write = excluded.can_write`, d.PrincipalID, d.DelegateID, d.Write)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("postgres: delegate: principal: %w", backend.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: delegate: %w", err)
	}
	return nil
}

// RemoveDelegate implements backend.Store.
func (s *Store) RemoveDelegate(ctx context.Context, principalID, delegateID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM delegates WHERE principal_id = $1 AND delegate_id = $2`, principalID, delegateID)
	if err != nil {
		return fmt.Errorf("postgres: remove delegate: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: remove delegate: %w", backend.ErrNotFound)
	}
	return nil
}

// Delegates implements backend.Store.
func (s *Store) Delegates(ctx context.Context, principalID int64) ([]backend.Delegation, error) {
	return s.delegations(ctx, `principal_id = $1 ORDER BY delegate_id`, principalID)
}

// DelegatedTo implements backend.Store.
func (s *Store) DelegatedTo(ctx context.Context, delegateID int64) ([]backend.Delegation, error) {
	return s.delegations(ctx, `delegate_id = $1 ORDER BY principal_id`, delegateID)
}

func (s *Store) delegations(ctx context.Context, where string, id int64) ([]backend.Delegation, error) {
	rows, err := s.pool.Query(ctx, `SELECT principal_id, delegate_id, can_write FROM delegates WHERE `+where, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: delegates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (backend.Delegation, error) {
		var d backend.Delegation
		err := r.Scan(&d.PrincipalID, &d.DelegateID, &d.Write)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: delegates: %w", err)
	}
	return out, nil
}

// isForeignKeyViolation reports a PostgreSQL foreign_key_violation.
func isForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}
